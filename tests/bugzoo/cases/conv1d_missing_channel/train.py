import torch
import torch.nn as nn
from zoocheck import check_training


class SignalNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, kernel_size=5)
        self.head = nn.Linear(8, 2)

    def forward(self, signal):
        feats = self.conv(signal).relu().amax(dim=-1)
        return self.head(feats)


torch.manual_seed(0)
signals = torch.randn(32, 100)
labels = (signals[:, :50].sum(1) > 0).long()
model = SignalNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(signals), labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
