import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
model = nn.Linear(4, 1)
x = torch.randn(60, 4)
y = x @ torch.tensor([[0.5], [1.0], [-1.0], [2.0]])
opt = torch.optim.SGD(model.parameters(), lr=0.05)


def compute_loss(batch_x, batch_y):
    pred = model(batch_x)
    return ((pred - batch_y) ** 2).mean().item()


losses = []
for i in range(40):
    opt.zero_grad()
    loss = compute_loss(x, y)
    loss.backward()
    opt.step()
    losses.append(loss)
check_training(model, losses)
