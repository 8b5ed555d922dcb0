import torch
import torch.nn as nn

from zoocheck import check_training

torch.manual_seed(0)
inputs = torch.randn(64, 3)
targets = inputs.sum(1, keepdim=True)
regressor = nn.Linear(3, 1)
optimizer = torch.optim.SGD(regressor.parameters(), lr=0.1)
losses = []
for step in range(30):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(regressor(input), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(regressor, losses)
