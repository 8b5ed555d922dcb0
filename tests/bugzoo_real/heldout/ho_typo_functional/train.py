import torch
import torch.nn as nn
import torch.nn.functional as F
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 6)
y = x[:, :3].argmax(1)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = F.crossentropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
