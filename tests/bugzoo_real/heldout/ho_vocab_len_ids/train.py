import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
text = "the quick brown fox jumps over the lazy dog".split()
vocab = sorted(set(text))
ids = {w: i + 1 for i, w in enumerate(vocab)}
seqs = torch.tensor([[ids[w] for w in text[i:i + 4]] for i in range(len(text) - 4)] * 8)
target = (seqs[:, 0] % 2).long()
emb = nn.Embedding(len(vocab), 8)
head = nn.Linear(8, 2)
model = nn.Sequential()
model.add_module("emb", emb)
model.add_module("head", head)
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(head(emb(seqs).mean(1)), target)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
