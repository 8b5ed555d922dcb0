import torch
import torch.nn as nn
from zoocheck import check_training


def make_batch(n, g):
    img = torch.rand(n, 3, 12, 12, generator=g)
    mask = (img.mean(1, keepdim=True) > 0.5).long()
    return img, mask


class Net(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.enc = nn.Conv2d(3, 16, 3, padding=1)
        self.head = nn.Conv2d(16, classes, 1)

    def forward(self, x):
        return self.head(torch.relu(self.enc(x)))


g = torch.Generator().manual_seed(1)
torch.manual_seed(0)
net = Net(classes=2)
crit = nn.CrossEntropyLoss()
optim = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for step in range(40):
    imgs, true_masks = make_batch(8, g)
    masks_pred = net(imgs)
    loss = crit(masks_pred, true_masks)
    optim.zero_grad()
    loss.backward()
    optim.step()
    losses.append(loss.item())
check_training(net, losses)
