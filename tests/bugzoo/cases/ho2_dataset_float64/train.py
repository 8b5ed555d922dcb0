import torch
import torch.nn as nn
from data import Tabular
from torch.utils.data import DataLoader

from zoocheck import check_training

torch.manual_seed(0)
ds = Tabular()
ds.y = (ds.x[:, 0] > 0).long()
loader = DataLoader(ds, batch_size=32, shuffle=True)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for _ in range(8):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(net, losses)
