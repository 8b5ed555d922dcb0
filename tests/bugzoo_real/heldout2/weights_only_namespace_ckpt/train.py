import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--hidden", type=int, default=40)
args = parser.parse_args([])

torch.manual_seed(0)
x = torch.randn(600, 10)
y = (x[:, 0] - x[:, 4] + 0.5 * x[:, 7] > 0).long()
loader = DataLoader(TensorDataset(x[:500], y[:500]), batch_size=25, shuffle=True)


def train_epoch(model, opt, losses):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())


model = nn.Sequential(nn.Linear(10, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 2))
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
train_epoch(model, opt, [])
torch.save({"args": args, "state_dict": model.state_dict()}, "best.pth")

# fine-tune: rebuild from the saved arguments and weights
ckpt = torch.load("best.pth")
saved = ckpt["args"]
model = nn.Sequential(nn.Linear(10, saved.hidden), nn.ReLU(), nn.Linear(saved.hidden, 2))
model.load_state_dict(ckpt["state_dict"])
with torch.no_grad():
    val = nn.functional.cross_entropy(model(x[500:]), y[500:]).item()
assert val < 0.6, f"the checkpoint was not restored (val loss {val:.3f})"
opt = torch.optim.Adam(model.parameters(), lr=saved.lr)
losses = []
for epoch in range(4):
    train_epoch(model, opt, losses)
check_training(model, losses)
