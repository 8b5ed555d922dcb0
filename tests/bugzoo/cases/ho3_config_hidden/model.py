from dataclasses import dataclass

import torch.nn as nn


@dataclass
class ModelConfig:
    n_features: int = 12
    hidden: int = 48
    n_classes: int = 3


class Net(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.fc1 = nn.Linear(cfg.n_features, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden // 2, cfg.n_classes)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())
