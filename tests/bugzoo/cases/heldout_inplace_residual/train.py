import torch
import torch.nn as nn

from zoocheck import check_training


class ResBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        out = torch.sigmoid(self.fc(x))
        out.mul_(2.0)
        return out + x


torch.manual_seed(0)
model = nn.Sequential(ResBlock(6), nn.Linear(6, 1))
x = torch.randn(64, 6)
y = x[:, :1] * 2
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(40):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
