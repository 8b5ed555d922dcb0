import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
corpus = torch.randint(1, 30, (64, 12))
labels = (corpus.float().mean(1) > 15).long()
vocab_size = int(corpus.max())


class BagClassifier(nn.Module):
    def __init__(self, vocab_size, dim=16):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, 2)

    def forward(self, tokens):
        return self.out(self.embed(tokens).mean(1))


model = BagClassifier(vocab_size)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(60):
    loss = nn.functional.cross_entropy(model(corpus), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
