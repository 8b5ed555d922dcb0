import torch
import torch.nn as nn

from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(32, 1, 8, 8)
y = torch.randint(0, 10, (32,))
model = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Linear(4 * 4 * 4, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
