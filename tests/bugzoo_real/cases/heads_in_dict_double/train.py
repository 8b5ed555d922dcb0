import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)


class MultiHead(nn.Module):
    def __init__(self, tasks):
        super().__init__()
        self.backbone = nn.Linear(6, 16)
        self.heads = {t: nn.Linear(16, n) for t, n in tasks.items()}

    def forward(self, x):
        h = torch.tanh(self.backbone(x))
        return {t: head(h) for t, head in self.heads.items()}


model = MultiHead({"colour": 3, "size": 2}).double()
x = torch.randn(64, 6, dtype=torch.float64)
targets = {"colour": x[:, :3].argmax(1), "size": (x[:, 3] > 0).long()}
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    opt.zero_grad()
    out = model(x)
    loss = sum(nn.functional.cross_entropy(out[t], targets[t]) for t in out)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
