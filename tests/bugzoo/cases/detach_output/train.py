import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 3)
y = x.sum(dim=1, keepdim=True)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for step in range(30):
    opt.zero_grad()
    pred = model(x).detach()
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
