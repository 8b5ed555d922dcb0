import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
images = torch.randn(64, 1, 8, 8)
labels = (images.mean(dim=(1, 2, 3)) > 0).long()


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 32)
        self.out = nn.Linear(32, 2)

    def forward(self, x):
        h = torch.relu(self.hidden(x))
        return self.out(h)


model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
