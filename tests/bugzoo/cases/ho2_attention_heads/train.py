import torch
import torch.nn as nn

from zoocheck import check_training


class Encoder(nn.Module):
    def __init__(self, dim=30, heads=4):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.out = nn.Linear(dim, 2)

    def forward(self, x):
        h, _ = self.attn(x, x, x)
        return self.out(h.mean(1))


torch.manual_seed(0)
x = torch.randn(16, 5, 30)
y = (x[:, 0, 0] > 0).long()
model = Encoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
