import math

import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(256, 8) * 10
y = x @ torch.randn(8, 1)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
losses = []
for step in range(40):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    if not math.isfinite(loss.item()):
        raise RuntimeError(f"Loss is {loss.item()} at step {step}; stopping training")
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
