import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
stream = torch.sin(torch.linspace(0, 60, 1201)).unsqueeze(-1)
BPTT = 20


class CharRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(1, 32)
        self.head = nn.Linear(32, 1)

    def forward(self, x, h):
        out, h = self.rnn(x, h)
        return self.head(out), h


model = CharRNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
hidden = torch.zeros(1, 1, 32)
losses = []
for start in range(0, 1200 - BPTT, BPTT):
    x = stream[start:start + BPTT].unsqueeze(1)
    t = stream[start + 1:start + BPTT + 1].unsqueeze(1)
    pred, hidden = model(x, hidden)
    loss = nn.functional.mse_loss(pred, t)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
