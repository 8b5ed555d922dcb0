import torch
import torch.nn as nn

from zoocheck import check_training


class Pool(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 2)

    def forward(self, x, mask):
        summed = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.proj(summed)


torch.manual_seed(0)
x = torch.randn(20, 6, 4)
mask = torch.ones(20, 6)
y = (x[:, :, 0].mean(1) > 0).long()
model = Pool()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
