import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
VOCAB, CTX = 20, 8
text = torch.arange(400) % VOCAB


def get_batch(bs=16):
    ix = torch.randint(0, len(text) - CTX - 1, (bs,))
    x = torch.stack([text[i:i + CTX] for i in ix])
    y = torch.stack([text[i + 1:i + CTX + 1] for i in ix])
    return x, y


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, 32)
        self.proj = nn.Linear(32, VOCAB)

    def forward(self, idx, targets=None):
        logits = self.proj(self.tok(idx))
        loss = None
        if targets is not None:
            loss = nn.functional.cross_entropy(logits, targets)
        return logits, loss


model = TinyLM()
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
losses = []
for it in range(50):
    xb, yb = get_batch()
    _, loss = model(xb, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
