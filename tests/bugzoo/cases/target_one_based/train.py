import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
ratings = torch.randint(1, 6, (80,))  # star ratings 1..5
feats = torch.randn(80, 6) + ratings[:, None].float() * 0.3
NUM_CLASSES = 5

model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, NUM_CLASSES))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(feats), ratings)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
