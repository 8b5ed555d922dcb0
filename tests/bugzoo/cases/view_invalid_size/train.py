import torch
import torch.nn.functional as F
from model import LeNet
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
data = TensorDataset(torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)))
loader = DataLoader(data, batch_size=16, shuffle=False)
model = LeNet()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
losses = []
for epoch in range(6):
    for images, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
check_training(model, losses)
