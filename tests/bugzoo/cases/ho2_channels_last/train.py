import numpy as np
import torch
import torch.nn as nn

from zoocheck import check_training

rng = np.random.default_rng(0)
torch.manual_seed(0)
photos = torch.from_numpy(rng.random((16, 12, 12, 3), dtype=np.float32))  # decoded as (N, H, W, C)
labels = (photos[..., 0].mean((1, 2)) > photos[..., 2].mean((1, 2))).long()
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
losses = []
for _ in range(60):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(photos), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
