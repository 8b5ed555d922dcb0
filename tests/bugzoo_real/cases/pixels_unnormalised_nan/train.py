import math

import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
pixels = torch.randint(0, 256, (128, 64)).float()
target = (pixels[:, :32].mean(1) > pixels[:, 32:].mean(1)).float().unsqueeze(1)

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
losses = []
for step in range(40):
    opt.zero_grad()
    out = model(pixels)
    loss = nn.functional.mse_loss(out, target)
    if not math.isfinite(loss.item()):
        raise FloatingPointError(f"loss became {loss.item()} at step {step}")
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
