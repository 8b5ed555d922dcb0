import torch.nn as nn


class WordLSTM(nn.Module):
    def __init__(self, vocab=30, dim=24):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.dec = nn.Linear(dim, vocab)

    def forward(self, ids, state):
        out, state = self.lstm(self.emb(ids), state)
        return self.dec(out), state
