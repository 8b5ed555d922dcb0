import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
feats = torch.randn(90, 7)
flags = (feats[:, 2] > 0).float().unsqueeze(1).unsqueeze(2)


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(7, 12), nn.ReLU(), nn.Linear(12, 1))

    def forward(self, x):
        return self.body(x)


model = Scorer()
lossf = nn.BCEWithLogitsLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for it in range(40):
    opt.zero_grad()
    l = lossf(model(feats), flags)
    l.backward()
    opt.step()
    losses.append(l.item())
check_training(model, losses)
