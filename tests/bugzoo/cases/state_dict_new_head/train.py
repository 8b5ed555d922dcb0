import torch
from model import Classifier
from zoocheck import check_training

torch.manual_seed(0)
torch.save(Classifier(num_classes=10).state_dict(), "backbone_10cls.pt")  # the pretraining run

model = Classifier(num_classes=3)  # fine-tune on a 3-class task
model.load_state_dict(torch.load("backbone_10cls.pt"))

x = torch.randn(60, 10)
y = torch.randint(0, 3, (60,))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
