import torch
import torch.nn as nn
from zoocheck import check_training


class SeqPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 10, 1)

    def forward(self, x):
        h = torch.relu(self.conv(x.transpose(1, 2)))
        h = h.transpose(1, 2)
        return self.fc(h.view(h.size(0), -1))


torch.manual_seed(0)
x = torch.randn(32, 10, 4)
y = x[:, :, 0].sum(1, keepdim=True)
model = SeqPool()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for i in range(40):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
