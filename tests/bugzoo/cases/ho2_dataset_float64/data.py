import numpy as np
import torch
from torch.utils.data import Dataset


class Tabular(Dataset):
    def __init__(self, n=128, seed=0):
        rng = np.random.default_rng(seed)
        self.x = torch.tensor(rng.normal(size=(n, 4)))
        self.y = torch.tensor((rng.normal(size=n) > 0).astype(np.int64))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]
