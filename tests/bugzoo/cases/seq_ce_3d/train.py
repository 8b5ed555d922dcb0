import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
VOCAB, T = 12, 8
ids = torch.randint(0, VOCAB, (16, T + 1))
inputs, targets = ids[:, :-1], ids[:, 1:]


class Bigram(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(VOCAB, VOCAB)

    def forward(self, idx):
        return self.table(idx)  # (B, T, VOCAB)


model = Bigram()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=5e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    logits = model(inputs)
    loss = criterion(logits, targets)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
