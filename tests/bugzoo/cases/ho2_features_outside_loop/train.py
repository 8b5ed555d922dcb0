import torch
import torch.nn as nn

from zoocheck import check_training

torch.manual_seed(0)
x = torch.randn(64, 6)
y = (x[:, 0] > 0).long()
encoder = nn.Linear(6, 16)
classifier = nn.Linear(16, 2)
model = nn.Sequential(encoder, classifier)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
features = torch.relu(encoder(x))  # computed once to save time
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(classifier(features), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
