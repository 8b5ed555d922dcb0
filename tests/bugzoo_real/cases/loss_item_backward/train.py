import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
x = torch.randn(100, 4)
y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(50):
    optimizer.zero_grad()
    loss = criterion(model(x), y).item()
    loss.backward()
    optimizer.step()
    losses.append(loss)
check_training(model, losses)
