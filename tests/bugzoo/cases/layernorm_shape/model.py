import torch.nn as nn


class Mixer(nn.Module):
    def __init__(self, dim=32, hidden=64):
        super().__init__()
        self.norm = nn.LayerNorm(hidden)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        x = x + self.mlp(self.norm(x))
        return self.head(x.mean(1))
