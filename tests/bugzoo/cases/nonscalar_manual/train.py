import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
t = torch.linspace(-1, 1, 100)[:, None]
target = 3 * t ** 2 - 1
net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    err = (net(t) - target) ** 2
    err.backward()
    opt.step()
    losses.append(err.mean().item())
check_training(net, losses)
