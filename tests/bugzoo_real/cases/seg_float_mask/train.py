import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from zoocheck import check_training


class Shapes(Dataset):
    def __init__(self, n=64):
        g = torch.Generator().manual_seed(0)
        self.images = torch.rand(n, 1, 16, 16, generator=g)
        self.masks = (self.images[:, 0] > 0.5).float()

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.masks[i]


class TinySeg(nn.Module):
    def __init__(self, n_classes=2):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, n_classes, 1))

    def forward(self, x):
        return self.body(x)


torch.manual_seed(0)
model = TinySeg()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
loader = DataLoader(Shapes(), batch_size=16, shuffle=True)
losses = []
for epoch in range(8):
    for images, masks in loader:
        optimizer.zero_grad()
        pred = model(images)
        loss = criterion(pred, masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
check_training(model, losses)
