"""A two-layer MLP: small enough to train in seconds on a CPU."""

from dataclasses import dataclass

import torch.nn as nn


@dataclass
class TinyConfig:
    d_in: int = 16
    d_hidden: int = 32
    num_classes: int = 2
    batch_size: int = 32


class TinyMLP(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.config = config
        self.fc1 = nn.Linear(config.d_in, config.d_hidden)
        self.fc2 = nn.Linear(config.d_hidden, config.num_classes)

    def forward(self, x):  # (B, d_in) -> (B, num_classes)
        return self.fc2(self.fc1(x).relu())
