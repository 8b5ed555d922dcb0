import torch
from model import TwoTower
from zoocheck import check_training

torch.manual_seed(0)
u, i = torch.randn(64, 8), torch.randn(64, 8)
clicked = ((u * i).sum(-1) > 0).float()
model = TwoTower()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(u, i), clicked)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
