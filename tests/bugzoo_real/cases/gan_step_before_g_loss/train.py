import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
Z, D_IN = 4, 8
G = nn.Sequential(nn.Linear(Z, 16), nn.ReLU(), nn.Linear(16, D_IN))
D = nn.Sequential(nn.Linear(D_IN, 16), nn.ReLU(), nn.Linear(16, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
bce = nn.BCEWithLogitsLoss()


def real_batch(n):
    return torch.randn(n, D_IN) * 0.5 + 2.0


losses = []
for step in range(60):
    real = real_batch(32)
    fake = G(torch.randn(32, Z))
    d_loss = bce(D(real), torch.ones(32, 1)) + bce(D(fake.detach()), torch.zeros(32, 1))
    g_loss = bce(D(fake), torch.ones(32, 1))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    losses.append(d_loss.item())
check_training(nn.ModuleList([G, D]), losses)
