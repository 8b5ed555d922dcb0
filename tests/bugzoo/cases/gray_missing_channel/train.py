import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(x.mean(dim=(2, 3)))


torch.manual_seed(0)
digits = torch.randn(64, 14, 14)  # grayscale, (N, H, W)
targets = (digits[:, :7].mean((1, 2)) > 0).long() + (digits[:, 7:].mean((1, 2)) > 0).long()
loader = DataLoader(TensorDataset(digits, targets), batch_size=16)
model = TinyCNN()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
losses = []
for epoch in range(20):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
check_training(model, losses)
