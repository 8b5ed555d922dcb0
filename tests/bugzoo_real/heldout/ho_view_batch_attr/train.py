import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training


class Model(nn.Module):
    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size
        self.conv = nn.Conv1d(2, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 12, 1)

    def forward(self, x):
        h = torch.relu(self.conv(x))
        return self.fc(h.reshape(self.batch_size, -1))


torch.manual_seed(0)
x = torch.randn(70, 2, 12)
y = x[:, 0].mean(1, keepdim=True)
model = Model(batch_size=16)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for ep in range(5):
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
