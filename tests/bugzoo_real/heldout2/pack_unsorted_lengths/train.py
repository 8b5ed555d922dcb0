import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
from torch.utils.data import DataLoader
from zoocheck import check_training

torch.manual_seed(0)
samples = []
for _ in range(240):
    length = int(torch.randint(3, 15, (1,)))
    seq = torch.randn(length, 3)
    samples.append((seq, int(seq[:, 1].sum() > 0)))


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True), lengths, torch.tensor(labels)


class Reader(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 20, batch_first=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True)
        _, (h, _) = self.lstm(packed)
        return self.fc(h[-1])


model = Reader()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(4):
    for padded, lengths, y in DataLoader(samples, batch_size=24, shuffle=True, collate_fn=collate):
        loss = nn.functional.cross_entropy(model(padded, lengths), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
