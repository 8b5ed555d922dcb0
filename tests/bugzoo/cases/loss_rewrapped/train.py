import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 5)
y = (x[:, 1] > 0).long()
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    ce = nn.functional.cross_entropy(model(x), y)
    loss = torch.tensor(ce.item())
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
