import torch
import torch.nn as nn
from zoocheck import check_training


class Poisson(nn.Module):
    """Predicts a rate; trained with a hand-written Poisson negative log-likelihood."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return torch.relu(self.fc(x))


def poisson_nll(rate, counts):
    return (rate - counts * torch.log(rate)).mean()


torch.manual_seed(0)
x = torch.randn(128, 4)
counts = torch.poisson(torch.exp(x[:, :1]))
model = Poisson()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    loss = poisson_nll(model(x), counts)
    if torch.isnan(loss) or torch.isinf(loss):
        raise FloatingPointError(f"non-finite loss {loss.item()} at step {step}")
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
