import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 7)
y = x[:, :3].argmax(1)
weights = torch.rand(64) + 0.5
model = nn.Sequential(nn.Linear(7, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss(reduction="none")
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    per_sample = criterion(model(x), y) * weights
    per_sample.backward()
    opt.step()
    losses.append(per_sample.mean().item())
check_training(model, losses)
