import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, n_feats=6, hidden=16, n_tags=3):
        super().__init__()
        self.lstm = nn.LSTM(n_feats, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_tags)

    def forward(self, x):
        x = self.lstm(x)
        return self.fc(x[:, -1])
