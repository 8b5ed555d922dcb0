import numpy as np
import torch
import torch.nn as nn

from zoocheck import check_training

rng = np.random.default_rng(0)
table = rng.normal(size=(120, 5)).astype(np.float32)
label_col = (table[:, :1] > 0).astype(np.int64)  # one column from the CSV, shape (N, 1)
x, y = torch.from_numpy(table), torch.from_numpy(label_col)
model = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
