import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

cfg = {"batch": 12, "hidden": 16, "feats": 3}
torch.manual_seed(0)
seq = torch.randn(50, 7, cfg["feats"])
lab = (seq[:, :, 1].mean(1) > 0).long()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(cfg["feats"], cfg["hidden"], batch_first=True)
        self.cls = nn.Linear(cfg["hidden"], 2)

    def forward(self, x):
        h0 = torch.zeros(1, cfg["batch"], cfg["hidden"])
        out, _ = self.gru(x, h0)
        return self.cls(out[:, -1])


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for ep in range(5):
    for xb, yb in DataLoader(TensorDataset(seq, lab), batch_size=cfg["batch"]):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(net, losses)
