import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 5)
y = x.sum(1, keepdim=True)
model = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, gamma=0.5)
losses = []
for epoch in range(40):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
check_training(model, losses)
