import torch
import torch.nn.functional as F
from model import Encoder
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(16, 3, 12, 12)
y = torch.randint(0, 5, (16,))
net = Encoder()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for i in range(30):
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(net, losses)
