import torch
import torch.nn as nn
from zoocheck import check_training


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2D(1, 6, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.conv(x))).flatten(1))


torch.manual_seed(0)
x = torch.rand(32, 1, 8, 8)
y = (x.mean((1, 2, 3)) > 0.5).long()
model = SmallCNN()
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
