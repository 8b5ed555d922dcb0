import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from zoocheck import check_training

torch.manual_seed(0)
words = ["the", "cat", "sat", "on", "mat", "dog", "ran", "far", "away", "home"]
stoi = {w: i for i, w in enumerate(words)}
PAD = len(stoi)

sentences, labels = [], []
for i in range(48):
    n = 3 + i % 5
    toks = torch.randint(0, len(words), (n,))
    sentences.append(toks)
    labels.append(int(toks[0] < 5))
batch = pad_sequence(sentences, batch_first=True, padding_value=PAD)
y = torch.tensor(labels)

emb = nn.Embedding(len(stoi), 8)
clf = nn.Linear(8, 2)
model = nn.ModuleDict({"emb": emb, "clf": clf})
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    h = model["emb"](batch).mean(1)
    loss = nn.functional.cross_entropy(model["clf"](h), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
