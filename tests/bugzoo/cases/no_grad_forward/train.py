import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 10)
y = (x[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    with torch.no_grad():
        logits = model(x)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
