import torch
import torch.nn as nn
import torch.nn.functional as F

from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(96, 6)
is_spam = (x[:, 0] + x[:, 1] > 0).long()  # 0/1 labels from the annotation tool
model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    logits = model(x).squeeze(1)
    loss = F.binary_cross_entropy_with_logits(logits, is_spam)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
