import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

BATCH_SIZE = 32
torch.manual_seed(0)
images = torch.rand(100, 1, 8, 8)
labels = (images.mean((1, 2, 3)) > 0.5).long()
loader = DataLoader(TensorDataset(images, labels), batch_size=BATCH_SIZE, shuffle=True)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = x.view(BATCH_SIZE, -1)
        return self.fc(x)


model = CNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(4):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
