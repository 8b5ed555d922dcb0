import torch
import torch.nn as nn

from zoocheck import check_training


def train_step(model, batch, target, optimizer):
    optimizer.zero_grad()
    with torch.inference_mode():
        prediction = model(batch)
    loss = nn.functional.binary_cross_entropy_with_logits(prediction.squeeze(1), target)
    loss.backward()
    optimizer.step()
    return loss.item()


torch.manual_seed(0)
x = torch.randn(80, 5)
t = (x[:, 0] - x[:, 3] > 0).float()
net = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Linear(12, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.3)
losses = [train_step(net, x, t, opt) for _ in range(40)]
check_training(net, losses)
