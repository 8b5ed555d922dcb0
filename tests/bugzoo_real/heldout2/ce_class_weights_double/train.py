import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(500, 8)
score = x[:, 0] + x[:, 1]
y = torch.bucketize(score, torch.tensor([0.3, 1.8]))  # imbalanced: few samples of class 2
n_classes = int(y.max()) + 1
counts = torch.bincount(y, minlength=n_classes)
class_weights = len(y) / (n_classes * counts.double())
criterion = nn.CrossEntropyLoss(weight=class_weights)

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, n_classes))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(4):
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=50, shuffle=True):
        loss = criterion(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
