import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
samples = torch.randn(100, 5)
labels = [int(s[:3].argmax().item()) + 1 for s in samples]
n_classes = 3
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, n_classes))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
target = torch.tensor(labels)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(samples), target)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
