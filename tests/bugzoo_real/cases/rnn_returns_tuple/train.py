import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(48, 6, 3)
y = (x.sum((1, 2)) > 0).long()


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 16, batch_first=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        out = self.rnn(x)
        return self.fc(out[:, -1])


model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(50):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
