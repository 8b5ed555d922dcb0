import torch
import torch.nn as nn
from zoocheck import check_training

# WGAN-style critic with weight clipping, trained against a fixed fake distribution
torch.manual_seed(0)
CLIP = 0.05
critic = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1, bias=False))
opt = torch.optim.RMSprop(critic.parameters(), lr=5e-4)
losses = []
for step in range(150):
    real = torch.randn(64, 2) * 0.5 + torch.tensor([2.0, 2.0])
    fake = torch.randn(64, 2) * 0.5 - torch.tensor([1.0, 1.0])
    loss = critic(fake).mean() - critic(real).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    for p in critic.parameters():
        p.clamp_(-CLIP, CLIP)
    losses.append(loss.item())
check_training(critic, losses)
