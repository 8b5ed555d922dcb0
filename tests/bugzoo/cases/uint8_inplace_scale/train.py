import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
raw = torch.randint(0, 256, (64, 1, 8, 8), dtype=torch.uint8)  # decoded PNGs
labels = (raw.float().mean(dim=(1, 2, 3)) > 127).long()

model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(30):
    batch = raw.clone()
    batch /= 255.0
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(batch), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
