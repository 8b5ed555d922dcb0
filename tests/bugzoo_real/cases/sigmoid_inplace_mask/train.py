import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(10, 10)
        self.out = nn.Linear(10, 1)

    def forward(self, x, keep):
        g = torch.sigmoid(self.lin(x))
        g.mul_(keep)
        return self.out(g)


model = Gate()
x = torch.randn(64, 10)
keep = (torch.rand(64, 10) > 0.2).float()
y = x.sum(1, keepdim=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x, keep), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
