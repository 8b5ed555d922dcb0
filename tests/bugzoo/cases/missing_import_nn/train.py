import torch
from model import Scorer
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 4)
y = x[:, :1] - x[:, 1:2]
model = Scorer()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for i in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
