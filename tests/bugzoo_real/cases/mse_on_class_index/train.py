import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
N_CLASSES = 4
x = torch.randn(64, 8)
y = x[:, :N_CLASSES].argmax(1)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, N_CLASSES))
criterion = nn.MSELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
