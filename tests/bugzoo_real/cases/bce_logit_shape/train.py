import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(200, 10)
y = (x[:, 0] + x[:, 1] > 0).float()
loader = DataLoader(TensorDataset(x, y), batch_size=25, shuffle=True)


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.mlp(x)


model = Detector()
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(5):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
check_training(model, losses)
