import torch
import torch.nn as nn
from zoocheck import check_training


def make_model():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


torch.manual_seed(0)
# A checkpoint saved by a multi-GPU job (the model was wrapped in DataParallel).
pretrained = nn.DataParallel(make_model())
torch.save(pretrained.state_dict(), "pretrained.pt")

model = make_model()
state = torch.load("pretrained.pt")
model.load_state_dict(state)

x = torch.randn(64, 6)
y = (x[:, 0] > 0).long()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
