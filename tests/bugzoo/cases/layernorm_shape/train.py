import torch
from model import Mixer
from zoocheck import check_training

torch.manual_seed(0)
tokens = torch.randn(16, 5, 32)
y = (tokens[:, 0, 0] > 0).long()
model = Mixer()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(tokens), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
