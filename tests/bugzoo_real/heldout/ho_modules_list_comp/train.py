import torch
import torch.nn as nn
from zoocheck import check_training


class Tower(nn.Module):
    def __init__(self, depth, width):
        super().__init__()
        self.inp = nn.Linear(5, width)
        self.blocks = [nn.Linear(width, width) for _ in range(depth)]
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        for b in self.blocks:
            h = torch.relu(b(h))
        return self.out(h)


torch.manual_seed(0)
model = Tower(2, 16).double()
x = torch.randn(64, 5, dtype=torch.float64)
y = x.sum(1, keepdim=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
