import numpy as np
import torch
import torch.nn as nn
from zoocheck import check_training

rng = np.random.default_rng(0)
features = rng.normal(size=(128, 12)).astype(np.float32)
labels = (features[:, :3].argmax(axis=1)).astype(np.int32)

X = torch.from_numpy(features)
Y = torch.from_numpy(labels)

net = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 3))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
losses = []
for step in range(60):
    idx = torch.randint(0, 128, (32,))
    out = net(X[idx])
    loss = criterion(out, Y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(net, losses)
