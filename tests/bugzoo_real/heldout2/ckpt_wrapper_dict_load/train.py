import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

CKPT = "checkpoint_last.pt"
torch.manual_seed(0)
x = torch.randn(600, 12)
y = (x[:, 0] * x[:, 1] + x[:, 2] > 0).long()
loader = DataLoader(TensorDataset(x[:500], y[:500]), batch_size=25, shuffle=True)


def make_model():
    return nn.Sequential(nn.Linear(12, 48), nn.ReLU(), nn.Linear(48, 2))


def run_epoch(model, opt, losses):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())


# stage 1: pre-train and write a resumable checkpoint
model = make_model()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
run_epoch(model, opt, [])
torch.save({"epoch": 1, "model_state": model.state_dict(), "optim_state": opt.state_dict()}, CKPT)

# stage 2: resume from the checkpoint
resumed = make_model()
resumed.load_state_dict(torch.load(CKPT))
with torch.no_grad():
    val = nn.functional.cross_entropy(resumed(x[500:]), y[500:]).item()
assert val < 0.6, f"the checkpoint was not restored (val loss {val:.3f})"
opt = torch.optim.Adam(resumed.parameters(), lr=3e-3)
losses = []
for epoch in range(4):
    run_epoch(resumed, opt, losses)
check_training(resumed, losses)
