import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
NUM_CLASSES = 4
x = torch.randn(400, 10)
score = x[:, 0] + 0.5 * x[:, 1]
# the last class is rare: many batches do not contain it
y = torch.bucketize(score, torch.tensor([-0.6, 0.2, 1.6]))

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, NUM_CLASSES))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.BCEWithLogitsLoss()
losses = []
for epoch in range(5):
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16):
        target = F.one_hot(yb).float()
        loss = criterion(model(xb), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
