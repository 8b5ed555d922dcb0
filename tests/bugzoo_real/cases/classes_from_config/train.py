import torch
import torch.nn as nn
from zoocheck import check_training

CONFIG = {"hidden": 32, "num_classes": 9, "lr": 1e-2, "steps": 50}

torch.manual_seed(0)
x = torch.randn(200, 12)
y = x[:, :10].argmax(1)

model = nn.Sequential(nn.Linear(12, CONFIG["hidden"]), nn.ReLU(), nn.Linear(CONFIG["hidden"], CONFIG["num_classes"]))
opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
losses = []
for step in range(CONFIG["steps"]):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
