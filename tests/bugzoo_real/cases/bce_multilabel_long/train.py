import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
N_TAGS = 4
x = torch.randn(128, 16)
tags = (x[:, :N_TAGS] > 0).long()

model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, N_TAGS))
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    batch = torch.randint(0, 128, (32,))
    optimizer.zero_grad()
    loss = criterion(model(x[batch]), tags[batch])
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
