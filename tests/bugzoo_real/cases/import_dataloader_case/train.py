import torch
import torch.nn as nn
from torch.utils.data import Dataloader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 4)
y = x.sum(1, keepdim=True)
loader = Dataloader(TensorDataset(x, y), batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(10):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
