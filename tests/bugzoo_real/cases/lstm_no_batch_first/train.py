import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
BATCH, STEPS, FEATS, HIDDEN = 16, 9, 5, 20
x = torch.randn(BATCH * 4, STEPS, FEATS)
y = x[:, :, 0].mean(1, keepdim=True)


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(FEATS, HIDDEN)
        self.out = nn.Linear(HIDDEN, 1)

    def forward(self, seq):
        h = torch.zeros(1, seq.size(0), HIDDEN)
        c = torch.zeros(1, seq.size(0), HIDDEN)
        out, _ = self.lstm(seq, (h, c))
        return self.out(out[:, -1, :])


model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(40):
    i = torch.randint(0, len(x), (BATCH,))
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x[i]), y[i])
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
