import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from zoocheck import check_training


class Photos(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.items = [(torch.rand(3, int(s), int(s), generator=g) + 0.5 * (i % 2), i % 2)
                      for i, s in enumerate(torch.randint(8, 12, (40,), generator=g))]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
loader = DataLoader(Photos(), batch_size=8)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(5):
    for img, label in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(img), label)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
