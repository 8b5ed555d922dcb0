"""Small CNN on 28x28 digits-like data."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from zoocheck import check_training


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc1 = nn.Linear(16 * 6 * 6, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (B, 8, 13, 13)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (B, 16, 5, 5)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


torch.manual_seed(0)
images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
model = ConvNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
losses = []
for step in range(25):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
