import torch
import torch.nn as nn
import torch.nn.functional as F

from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(50, 4)
y = (x[:, 0] > 0).float()
model = nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
losses = []
for _ in range(30):
    opt.zero_grad()
    log_probs = F.log_softmax(model(x), dim=1)
    loss = F.nll_loss(log_probs, y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
