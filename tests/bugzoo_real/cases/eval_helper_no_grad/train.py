import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 20), nn.ReLU(), nn.Linear(20, 1))

    def forward(self, x):
        return self.net(x)


def predict(model, x):
    with torch.no_grad():
        return model(x)


model = Regressor()
x = torch.randn(80, 5)
y = x.sum(1, keepdim=True)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
losses = []
for epoch in range(50):
    opt.zero_grad()
    pred = predict(model, x)
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
