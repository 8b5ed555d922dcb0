import numpy as np
import torch
import torch.nn as nn
from zoocheck import check_training

rng = np.random.default_rng(0)
X_np = rng.normal(size=(200, 5))
y_np = X_np @ np.array([1.0, -2.0, 0.5, 0.0, 3.0])

X = torch.from_numpy(X_np)
y = torch.from_numpy(y_np).float()

model = nn.Linear(5, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
losses = []
for epoch in range(40):
    opt.zero_grad()
    pred = model(X).squeeze(1)
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
