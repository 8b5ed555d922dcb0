import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
B, T, D = 12, 7, 16
tokens = torch.randint(1, 30, (B, T))
lengths = torch.randint(3, T + 1, (B,))
pad_mask = torch.arange(T)[None, :] >= lengths[:, None]
tokens[pad_mask] = 0
labels = (tokens[:, 0] > 15).long()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, D, padding_idx=0)
        self.attn = nn.MultiheadAttention(D, 4, batch_first=True)
        self.cls = nn.Linear(D, 2)

    def forward(self, ids, mask):
        h = self.emb(ids)
        h, _ = self.attn(h, h, h, attn_mask=mask)
        return self.cls(h[:, 0])


model = Encoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(tokens, pad_mask), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
