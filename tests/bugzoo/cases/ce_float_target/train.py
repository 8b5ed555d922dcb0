import numpy as np
import torch
import torch.nn as nn
from zoocheck import check_training

rng = np.random.default_rng(0)
features = torch.tensor(rng.normal(size=(100, 8)), dtype=torch.float32)
classes = torch.tensor(rng.integers(0, 3, size=100), dtype=torch.float32)  # read from a CSV column

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(40):
    optimizer.zero_grad()
    logits = model(features)
    loss = criterion(logits, classes)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
