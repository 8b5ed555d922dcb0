import numpy as np
import torch
import torch.nn as nn
from zoocheck import check_training

rng = np.random.default_rng(0)
labels = rng.integers(0, 2, size=40).astype(np.int64)
images = rng.random((40, 16, 16, 3), dtype=np.float32) * 0.5
images[..., 0] += 0.5 * labels[:, None, None]

x = torch.from_numpy(images)
y = torch.from_numpy(labels)
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
torch.manual_seed(0)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(50):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
