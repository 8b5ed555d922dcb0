import torch
from torch.utils.data import Dataset


class Clips(Dataset):
    """Audio clips of different durations, each with a speaker label."""

    def __init__(self, n=48):
        g = torch.Generator().manual_seed(1)
        self.clips = [torch.randn(int(torch.randint(20, 40, (1,), generator=g)), generator=g) for _ in range(n)]
        self.labels = [int(c[:10].mean() > 0) for c in self.clips]

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, i):
        return self.clips[i], torch.tensor(self.labels[i])
