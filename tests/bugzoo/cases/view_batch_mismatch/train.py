import torch
import torch.nn as nn
from zoocheck import check_training


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        x = self.features(x)  # (B, 16, 4, 4)
        x = x.view(-1, 512)
        return self.classifier(x)


torch.manual_seed(0)
x = torch.randn(32, 1, 8, 8)
y = torch.randint(0, 10, (32,))
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
