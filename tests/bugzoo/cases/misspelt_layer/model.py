import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 16), nn.ReLu(), nn.Linear(16, 1))

    def forward(self, x):
        return self.body(x)
