import torch
import torch.nn as nn
from zoocheck import check_training


class LeNetish(nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 12, 3), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Linear(12 * 5 * 5, 32), nn.ReLU(), nn.Linear(32, n_classes))

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


torch.manual_seed(0)
x = torch.rand(24, 1, 20, 20)
y = (x[:, 0, :10].mean((1, 2)) > x[:, 0, 10:].mean((1, 2))).long()
model = LeNetish()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
