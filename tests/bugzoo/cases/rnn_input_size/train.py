import torch
import torch.nn as nn
from zoocheck import check_training

N_FEATURES = 12


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(input_size=10, hidden_size=16, batch_first=True)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[:, -1])


torch.manual_seed(0)
series = torch.randn(32, 7, N_FEATURES)
target = series[:, -1, :1] * 0.5
model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(series), target)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
