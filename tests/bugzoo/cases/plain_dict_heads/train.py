import torch
import torch.nn as nn
from zoocheck import check_training


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = {}
        self.heads["age"] = nn.Linear(6, 1)
        self.heads["income"] = nn.Linear(6, 1)

    def forward(self, x):
        return {name: head(x) for name, head in self.heads.items()}


torch.manual_seed(0)
x = torch.randn(64, 6)
targets = {"age": x[:, :1] * 2, "income": x[:, 1:2] - x[:, 2:3]}
model = MultiTask()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for step in range(30):
    opt.zero_grad()
    out = model(x)
    loss = sum(nn.functional.mse_loss(out[k], targets[k]) for k in out)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
