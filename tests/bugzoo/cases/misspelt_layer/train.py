import torch
from model import Regressor
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(100, 3)
y = (x ** 2).sum(1, keepdim=True)
model = Regressor(3)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
