import torch
import torch.nn as nn
import torch.nn.functional as F
from zoocheck import check_training

torch.manual_seed(0)
N_CLASSES = 5
x = torch.randn(96, 8)
cls = (x[:, :N_CLASSES]).argmax(1)
target = F.one_hot(cls, N_CLASSES)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 24)
        self.fc2 = nn.Linear(24, N_CLASSES)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for it in range(50):
    logits = model(x)
    loss = F.cross_entropy(logits, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
