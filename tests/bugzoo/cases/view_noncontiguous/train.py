import torch
import torch.nn as nn
from zoocheck import check_training


class SeqPool(nn.Module):
    def __init__(self, channels=4, steps=6, n_out=2):
        super().__init__()
        self.mix = nn.Conv1d(channels, channels, 1)
        self.head = nn.Linear(channels * steps, n_out)

    def forward(self, x):  # x: (B, C, T)
        x = self.mix(x).transpose(1, 2)  # (B, T, C)
        x = x.view(x.size(0), -1)
        return self.head(x)


torch.manual_seed(0)
x = torch.randn(48, 4, 6)
y = (x[:, 0, 0] > 0).long()
model = SeqPool()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
