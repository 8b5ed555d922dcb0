import random

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from zoocheck import check_training


class Points(Dataset):
    def __init__(self):
        random.seed(0)
        self.rows = [[random.gauss(0, 1) for _ in range(3)] for _ in range(80)]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        row = self.rows[i]
        return row, sum(row)


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(8):
    for xb, yb in DataLoader(Points(), batch_size=16):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb).squeeze(1), yb.float())
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
