from dataclasses import dataclass

import torch.nn as nn


@dataclass
class Config:
    channels: int = 3
    width: int = 16
    classes: int = 4


def build(cfg: Config) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(cfg.channels, cfg.width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(cfg.width, cfg.width * 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(cfg.width * 2 * 8 * 8, cfg.classes),
    )
