import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
TAGS = 4
words = torch.randint(0, 25, (32, 10))
tags = words % TAGS
lengths = torch.randint(4, 11, (32,))
pad = torch.arange(10)[None] >= lengths[:, None]
tags[pad] = -1


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(25, 16)
        self.out = nn.Linear(16, TAGS)

    def forward(self, w):
        return self.out(self.emb(w))


model = Tagger()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    logits = model(words)
    loss = criterion(logits.view(-1, TAGS), tags.view(-1))
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
