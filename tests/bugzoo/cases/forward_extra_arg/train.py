import torch
import torch.nn as nn
from zoocheck import check_training


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        return self.fc(x)


torch.manual_seed(0)
x = torch.randn(60, 5)
y = torch.randint(0, 3, (60,))
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    out = model(x, y)
    loss = nn.functional.cross_entropy(out, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
