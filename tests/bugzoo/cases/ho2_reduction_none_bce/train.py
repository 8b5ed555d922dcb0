import torch
import torch.nn as nn

from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 5)
y = (x[:, :3] > 0).float()  # three independent tags
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.BCEWithLogitsLoss(reduction="none")
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    per_tag = criterion(model(x), y)
    per_tag.backward()
    opt.step()
    losses.append(per_tag.mean().item())
check_training(model, losses)
