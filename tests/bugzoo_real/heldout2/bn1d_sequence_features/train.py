import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
FEATS, HIDDEN = 6, 24


def bucket(n, length):
    x = torch.randn(n, length, FEATS)
    y = (x[:, :, 0].mean(1) + x[:, :, 3].mean(1) > 0).long()
    return x, y


# sequences are bucketed by length: every batch has its own length
batches = [bucket(32, 10 + 4 * (i % 3)) for i in range(30)]


class FrameEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(FEATS, HIDDEN)
        self.norm = nn.BatchNorm1d(HIDDEN)
        self.head = nn.Linear(HIDDEN, 2)

    def forward(self, x):
        h = self.proj(x)  # (batch, time, hidden)
        h = torch.relu(self.norm(h))
        return self.head(h.mean(1))


model = FrameEncoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(3):
    for x, y in batches:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
