import numpy as np
import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 12)
        self.b = nn.Linear(12, 1)

    def forward(self, x):
        h = self.a(x)
        h = np.maximum(h.numpy(), 0.0)
        return self.b(torch.from_numpy(h))


model = Net()
x = torch.randn(64, 6)
y = x[:, :2].sum(1, keepdim=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(50):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
