import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 10) * 200
y = x[:, :5].argmax(1)


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 5)

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=1)


model = Scorer()
opt = torch.optim.Adam(model.parameters(), lr=5e-2)
losses = []
for step in range(60):
    opt.zero_grad()
    probs = model(x)
    loss = -torch.log(probs[torch.arange(len(y)), y]).mean()
    assert torch.isfinite(loss), f"non-finite loss at step {step}"
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
