import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from zoocheck import check_training

torch.manual_seed(0)
PAD, VOCAB, DIM = 0, 20, 32
CLS = VOCAB  # a summary token in front of every sequence


def make_batch(n):
    seqs, labels = [], []
    for _ in range(n):
        length = int(torch.randint(4, 11, (1,)))
        seq = torch.randint(1, VOCAB, (length,))
        seqs.append(torch.cat([torch.tensor([CLS]), seq]))
        labels.append(int((seq < VOCAB // 2).sum() > length // 2))
    ids = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    attention_mask = (ids != PAD).long()  # 1 = real token, 0 = padding
    return ids, attention_mask, torch.tensor(labels)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB + 1, DIM, padding_idx=PAD)
        layer = nn.TransformerEncoderLayer(DIM, 4, 64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(DIM, 2)

    def forward(self, ids, attention_mask):
        h = self.encoder(self.emb(ids), src_key_padding_mask=attention_mask)
        return self.head(h[:, 0])


model = Encoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
losses = []
for step in range(80):
    ids, mask, y = make_batch(32)
    loss = nn.functional.cross_entropy(model(ids, mask), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
