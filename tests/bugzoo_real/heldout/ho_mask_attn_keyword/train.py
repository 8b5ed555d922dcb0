import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
N, L, E = 10, 6, 8
x = torch.randn(N, L, E)
valid = torch.randint(2, L + 1, (N,))
padding = torch.arange(L).unsqueeze(0) >= valid.unsqueeze(1)
y = x[:, 0, :2].sum(1, keepdim=True)
attn = nn.MultiheadAttention(E, 2, batch_first=True)
proj = nn.Linear(E, 1)
params = list(attn.parameters()) + list(proj.parameters())
opt = torch.optim.Adam(params, lr=1e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    out, _ = attn(x, x, x, attn_mask=padding)
    loss = nn.functional.mse_loss(proj(out[:, 0]), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(nn.ModuleList([attn, proj]), losses)
