import torch
import torch.nn as nn

model = nn.Linear(8, 5).cuda()
x = torch.randn(16, 8, device="cuda")
y = torch.randint(0, 7, (16,), device="cuda")  # labels 0..6 but 5 outputs
for step in range(2):
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    print(f"step {step} loss {loss.item():.3f}")
