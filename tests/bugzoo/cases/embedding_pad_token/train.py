import torch
import torch.nn as nn
from zoocheck import check_training

sentences = ["the cat sat", "a dog ran far away", "the bird sang", "a cat ran"]
vocab = {w: i for i, w in enumerate(sorted({w for s in sentences for w in s.split()}))}
PAD = len(vocab)
max_len = 5
tokens = torch.tensor([[vocab[w] for w in s.split()] + [PAD] * (max_len - len(s.split())) for s in sentences])
labels = torch.tensor([0, 1, 0, 1])


class BagOfWords(nn.Module):
    def __init__(self, vocab_size, dim=8):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, 2)

    def forward(self, ids):
        return self.out(self.embed(ids).mean(dim=1))


torch.manual_seed(0)
model = BagOfWords(len(vocab))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(tokens), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
