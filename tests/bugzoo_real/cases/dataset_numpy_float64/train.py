import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from zoocheck import check_training


class Table(Dataset):
    def __init__(self):
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(96, 5))
        self.y = self.x[:, :2].sum(1, keepdims=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.from_numpy(self.y[i])


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(6):
    for xb, yb in DataLoader(Table(), batch_size=16, shuffle=True):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
