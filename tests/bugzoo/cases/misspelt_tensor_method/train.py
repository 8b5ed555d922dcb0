import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
imgs = torch.randn(32, 2, 4, 4)
labels = torch.randint(0, 3, (32,))
head = nn.Linear(32, 3)
opt = torch.optim.Adam(head.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    feats = imgs.flaten(1)
    loss = nn.functional.cross_entropy(head(feats), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(head, losses)
