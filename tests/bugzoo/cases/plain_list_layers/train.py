import torch
from model import DeepMLP
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 8)
y = (x[:, 0] * x[:, 1] > 0).long()
model = DeepMLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(40):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
