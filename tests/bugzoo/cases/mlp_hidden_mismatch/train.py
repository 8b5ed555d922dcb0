import torch
import torch.nn as nn
from model import MLP
from zoocheck import check_training

torch.manual_seed(0)
X = torch.randn(128, 20)
y = (X[:, 0] + X[:, 1] > 0).long()
model = MLP(20, 64, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
