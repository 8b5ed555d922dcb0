import numpy as np
import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)


class Normalised(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.as_tensor(mean)
        self.std = torch.as_tensor(std)
        self.fc = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.fc((x - self.mean) / self.std)


table = np.random.default_rng(0).normal(5.0, 3.0, size=(128, 4))
raw = torch.from_numpy(table).float()
target = raw[:, :1] - 5
model = Normalised(table.mean(0), table.std(0)).float()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(raw), target)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
