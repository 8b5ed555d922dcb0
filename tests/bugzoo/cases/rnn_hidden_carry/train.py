import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
text = torch.randint(0, 20, (400,))
SEQ = 20


class CharRNN(nn.Module):
    def __init__(self, vocab=20, hidden=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, ids, hidden):
        out, hidden = self.rnn(self.embed(ids), hidden)
        return self.out(out), hidden


model = CharRNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
hidden = torch.zeros(1, 1, 32)
losses = []
for epoch in range(3):
    for start in range(0, len(text) - SEQ - 1, SEQ):
        chunk = text[start:start + SEQ + 1]
        logits, hidden = model(chunk[None, :-1], hidden)
        loss = nn.functional.cross_entropy(logits[0], chunk[1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
