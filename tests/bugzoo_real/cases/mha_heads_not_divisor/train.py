import torch
import torch.nn as nn
from zoocheck import check_training

EMBED_DIM = 30
NUM_HEADS = 4


class TinyTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(16, EMBED_DIM)
        self.layer = nn.TransformerEncoderLayer(EMBED_DIM, NUM_HEADS, dim_feedforward=32, batch_first=True)
        self.out = nn.Linear(EMBED_DIM, 2)

    def forward(self, ids):
        return self.out(self.layer(self.emb(ids)).mean(1))


torch.manual_seed(0)
ids = torch.randint(0, 16, (32, 6))
y = (ids[:, 0] > 7).long()
model = TinyTransformer()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(ids), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
