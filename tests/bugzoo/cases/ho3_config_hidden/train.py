import torch
from model import ModelConfig, Net

from zoocheck import check_training

torch.manual_seed(0)
cfg = ModelConfig()
x = torch.randn(90, cfg.n_features)
y = x[:, :3].argmax(1)
net = Net(cfg)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(net, losses)
