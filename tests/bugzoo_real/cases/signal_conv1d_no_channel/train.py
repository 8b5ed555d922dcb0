import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
t = torch.linspace(0, 6.28, 50)
freq = torch.rand(96, 1) * 3 + 1
signals = torch.sin(freq * t)
target = freq
loader = DataLoader(TensorDataset(signals, target), batch_size=16, shuffle=True)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 5)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(8, 1)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.conv(x))).squeeze(-1))


model = Regressor()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(6):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
