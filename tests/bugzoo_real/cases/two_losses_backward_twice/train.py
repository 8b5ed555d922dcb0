import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
        self.reg = nn.Linear(32, 1)
        self.cls = nn.Linear(32, 3)

    def forward(self, x):
        h = self.trunk(x)
        return self.reg(h), self.cls(h)


model = MultiTask()
x = torch.randn(64, 8)
y_reg = x[:, :1] * 2
y_cls = x[:, 1:4].argmax(1)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    r, c = model(x)
    loss_reg = nn.functional.mse_loss(r, y_reg)
    loss_cls = nn.functional.cross_entropy(c, y_cls)
    loss_reg.backward()
    loss_cls.backward()
    opt.step()
    losses.append(loss_reg.item() + loss_cls.item())
check_training(model, losses)
