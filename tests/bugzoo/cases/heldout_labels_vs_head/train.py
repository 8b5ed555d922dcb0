import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from zoocheck import check_training

N_CLASSES = 3
torch.manual_seed(0)
labels = torch.randint(0, 5, (100,))  # the dataset actually has 5 categories
inputs = torch.randn(100, 4) + labels[:, None].float()
loader = DataLoader(TensorDataset(inputs, labels), batch_size=20, shuffle=True)
clf = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, N_CLASSES))
opt = torch.optim.Adam(clf.parameters(), lr=2e-2)
losses = []
for _ in range(8):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(clf(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(clf, losses)
