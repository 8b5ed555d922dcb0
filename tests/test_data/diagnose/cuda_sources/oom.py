import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 10)).cuda()
x = torch.randn(200_000_000 // 4096 * 400, 4096, device="cuda")  # far more than the GPU holds
print(model(x).sum())
