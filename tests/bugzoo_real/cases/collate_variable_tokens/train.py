import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from zoocheck import check_training


class Reviews(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.items = []
        for i in range(64):
            n = 4 + i % 6
            ids = torch.randint(1, 40, (n,), generator=g)
            self.items.append((ids, int(ids[0] > 20)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        ids, label = self.items[i]
        return ids, torch.tensor(label)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(40, 16, padding_idx=0)
        self.fc = nn.Linear(16, 2)

    def forward(self, ids):
        return self.fc(self.emb(ids).sum(1))


torch.manual_seed(0)
loader = DataLoader(Reviews(), batch_size=8, shuffle=True)
model = Model()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(5):
    for ids, y in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(ids), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
