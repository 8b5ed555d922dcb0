import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(128, 4)
y = x @ torch.tensor([[1.0], [2.0], [-1.0], [0.5]])
model = nn.Linear(4, 1)
criterion = nn.MSELoss(reduction="none")  # per-sample losses, used for logging hard examples
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.mean().item())
check_training(model, losses)
