import torch
from model import Config, build

from zoocheck import check_training

torch.manual_seed(0)
cfg = Config()
x = torch.randn(24, 3, 16, 16)
y = torch.randint(0, cfg.classes, (24,))
net = build(cfg)
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
losses = []
for _ in range(25):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(net, losses)
