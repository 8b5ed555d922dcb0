import torch
import torch.nn as nn

from zoocheck import check_training


class Rates(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)

    def forward(self, x):
        rate = torch.exp(self.lin(x))
        rate.clamp_(max=50.0)
        return rate


torch.manual_seed(0)
x = torch.randn(64, 3)
y = torch.exp(x[:, :1] * 0.5)
model = Rates()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(40):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
