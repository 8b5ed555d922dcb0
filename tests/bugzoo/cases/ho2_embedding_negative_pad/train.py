import torch
import torch.nn as nn

from zoocheck import check_training

seqs = [[3, 5, 2], [7, 1], [4, 4, 6, 2]]
width = max(len(s) for s in seqs)
ids = torch.tensor([s + [-1] * (width - len(s)) for s in seqs])  # -1 marks padding
labels = torch.tensor([0, 1, 0])
emb = nn.Embedding(10, 8)
head = nn.Linear(8, 2)
model = nn.ModuleDict({"emb": emb, "head": head})
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(head(emb(ids).mean(1)), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
