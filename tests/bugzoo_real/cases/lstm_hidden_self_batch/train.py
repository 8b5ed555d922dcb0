import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
seqs = torch.randn(70, 8, 4)
y = (seqs[:, :, 0].sum(1) > 0).long()
loader = DataLoader(TensorDataset(seqs, y), batch_size=16)


class SentimentRNN(nn.Module):
    def __init__(self, batch_size, hidden=24):
        super().__init__()
        self.batch_size = batch_size
        self.hidden = hidden
        self.lstm = nn.LSTM(4, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        h0 = torch.zeros(1, self.batch_size, self.hidden)
        c0 = torch.zeros(1, self.batch_size, self.hidden)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1])


model = SentimentRNN(batch_size=16)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(6):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
