import torch
import torch.nn as nn

from zoocheck import check_training


class TwoInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.img = nn.Linear(8, 4)
        self.meta = nn.Linear(3, 4)
        self.head = nn.Linear(8, 1)

    def forward(self, image_feats, meta):
        joint = torch.cat([self.img(image_feats), self.meta(meta)], dim=1)
        return self.head(joint)


torch.manual_seed(0)
image_feats = torch.randn(32, 8)
meta = torch.randn(32, 3).T  # stored column-major in the CSV loader
target = image_feats[:, :1]
model = TwoInput()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(image_feats, meta), target)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
