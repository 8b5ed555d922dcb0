import torch
import torch.nn as nn
import torch.nn.functional as F
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 10)
labels = x[:, :4].argmax(dim=1)
y = F.one_hot(labels, num_classes=4)

model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 4))
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for it in range(40):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
