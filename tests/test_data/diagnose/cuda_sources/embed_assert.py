import torch
import torch.nn as nn

VOCAB = 100
emb = nn.Embedding(VOCAB, 16).cuda()
head = nn.Linear(16, 2).cuda()
ids = torch.randint(0, 120, (8, 10), device="cuda")  # ids beyond the vocabulary
y = torch.randint(0, 2, (8,), device="cuda")
loss = nn.functional.cross_entropy(head(emb(ids).mean(1)), y)
loss.backward()
print(f"loss {loss.item():.3f}")
