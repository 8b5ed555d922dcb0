import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

CONFIG = {"emb": 16, "hidden": 24, "classes": 3, "vocab": 30}
torch.manual_seed(0)
tokens = torch.randint(1, CONFIG["vocab"], (300, 12))
labels = torch.bucketize((tokens < 10).sum(1), torch.tensor([3, 4]))  # how many rare words


class TextRNN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg["vocab"], cfg["emb"])
        self.rnn = nn.GRU(cfg["emb"], cfg["hidden"], batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(cfg["hidden"], cfg["classes"])

    def forward(self, ids):
        out, _ = self.rnn(self.emb(ids))
        return self.classifier(out.mean(1))


model = TextRNN(CONFIG)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(4):
    for ids, y in DataLoader(TensorDataset(tokens, labels), batch_size=30, shuffle=True):
        loss = nn.functional.cross_entropy(model(ids), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
