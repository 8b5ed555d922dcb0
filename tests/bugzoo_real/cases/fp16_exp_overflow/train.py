import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 6)
y = x.sum(1, keepdim=True)


class PoissonRate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 1)
        nn.init.constant_(self.fc.bias, 12.0)

    def forward(self, x):
        return self.fc(x)


model = PoissonRate()
opt = torch.optim.Adam(model.parameters(), lr=5e-2)
losses = []
for step in range(60):
    opt.zero_grad()
    rate = torch.exp(model(x).half())
    loss = (rate.float() - y * model(x)).mean()
    if torch.isinf(loss) or torch.isnan(loss):
        raise RuntimeError(f"loss overflowed to {loss.item()} at step {step}")
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
