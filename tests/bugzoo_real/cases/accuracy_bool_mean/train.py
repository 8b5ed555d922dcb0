import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(100, 6)
y = x[:, :3].argmax(1)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(40):
    opt.zero_grad()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    opt.step()
    acc = (logits.argmax(1) == y).mean()
    losses.append(loss.item())
    if epoch % 10 == 0:
        print(f"epoch {epoch} loss {loss.item():.3f} acc {acc:.2f}")
check_training(model, losses)
