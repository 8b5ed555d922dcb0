import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from zoocheck import check_training


class Reviews(Dataset):
    """Token-id sequences of different lengths with a sentiment label."""

    def __init__(self, n=64):
        g = torch.Generator().manual_seed(0)
        self.items = []
        for _ in range(n):
            length = int(torch.randint(3, 12, (1,), generator=g))
            ids = torch.randint(1, 50, (length,), generator=g)
            self.items.append((ids, int(ids.float().mean() > 25)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16, padding_idx=0)
        self.out = nn.Linear(16, 2)

    def forward(self, ids):
        return self.out(self.emb(ids).sum(1))


torch.manual_seed(0)
loader = DataLoader(Reviews(), batch_size=16, shuffle=True)
model = Model()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(6):
    for ids, label in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(ids), label)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
