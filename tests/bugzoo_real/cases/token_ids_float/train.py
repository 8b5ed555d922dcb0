import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
data = torch.randint(0, 50, (80, 10)).float()
target = (data[:, 0] > 25).long()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 12)
        self.gru = nn.GRU(12, 16, batch_first=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, ids):
        out, h = self.gru(self.emb(ids))
        return self.fc(h[-1])


model = Encoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(40):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(data), target)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
