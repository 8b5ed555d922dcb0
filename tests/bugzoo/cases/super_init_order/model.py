import torch.nn as nn


class TwoTower(nn.Module):
    def __init__(self, dim=8):
        self.user = nn.Linear(dim, 16)
        self.item = nn.Linear(dim, 16)
        super().__init__()

    def forward(self, u, i):
        return (self.user(u) * self.item(i)).sum(-1)
