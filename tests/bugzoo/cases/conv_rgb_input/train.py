import torch
import torch.nn as nn
from zoocheck import check_training

torch.manual_seed(0)
images = torch.randn(32, 3, 16, 16)  # RGB crops
labels = torch.randint(0, 4, (32,))

model = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(8, 4),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
