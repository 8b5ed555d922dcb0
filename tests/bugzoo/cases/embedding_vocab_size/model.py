import torch.nn as nn

VOCAB_SIZE = 500
EMBED_DIM = 16


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB_SIZE, EMBED_DIM)
        self.proj = nn.Linear(EMBED_DIM, 4)

    def forward(self, ids):
        return self.proj(self.tok(ids).mean(1))
