from dataclasses import dataclass

import torch
import torch.nn as nn

from zoocheck import check_training


@dataclass
class GPTConfig:
    vocab_size: int = 256
    n_embd: int = 32


class TinyGPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size)

    def forward(self, idx):
        return self.lm_head(self.wte(idx))


torch.manual_seed(0)
data = torch.randint(0, 300, (8, 17))  # byte-pair ids from the tokenizer
model = TinyGPT(GPTConfig())
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    logits = model(data[:, :-1])
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), data[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
