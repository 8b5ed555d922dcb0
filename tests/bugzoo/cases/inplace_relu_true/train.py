import torch
from model import Net
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 12)
y = torch.randint(0, 3, (64,))
net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for i in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(net, losses)
