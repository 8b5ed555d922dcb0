import torch
import torch.nn as nn
import torch.nn.functional as F
from zoocheck import check_training


class Mixture(nn.Module):
    """Predicts mixture weights; component 0 is reserved and forced to zero."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        weights = F.softmax(self.fc(x), dim=-1)
        weights[:, 0] = 0.0
        return weights


torch.manual_seed(0)
x = torch.randn(64, 6)
target = F.softmax(torch.randn(64, 4), dim=-1)
model = Mixture()
opt = torch.optim.Adam(model.parameters(), lr=5e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = ((model(x)[:, 1:] - target[:, 1:]) ** 2).sum()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
