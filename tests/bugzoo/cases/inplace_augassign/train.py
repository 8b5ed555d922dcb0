import torch
import torch.nn as nn
from zoocheck import check_training


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.skip = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.sigmoid(self.fc1(x))
        h += self.skip(x)
        return self.fc2(h)


torch.manual_seed(0)
x = torch.randn(64, 8)
y = x.sum(1, keepdim=True)
model = Gated()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
