import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
inputs = torch.randn(64, 20)
targets = inputs[:, :6].argmax(dim=1)

model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 6))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)


def train_step(batch_x, batch_y):
    optimizer.zero_grad()
    outputs = model(batch_x)
    loss = criterion(batch_y, outputs)
    loss.backward()
    optimizer.step()
    return loss.item()


losses = [train_step(inputs, targets) for _ in range(50)]
check_training(model, losses)
