import torch
from model import Tagger
from zoocheck import check_training

torch.manual_seed(0)
seqs = torch.randn(32, 10, 6)
tags = (seqs[:, -1, 0] > 0).long()
model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(seqs), tags)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
