import torch
from zoocheck import check_training

torch.manual_seed(0)


class LinearModel(torch.nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(n_in, 1))
        self.b = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x @ self.w + self.b


x = torch.randn(100, 3)
y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.3
model = LinearModel(3)
scale = torch.ones(1, requires_grad=True) * 2.0
optimizer = torch.optim.SGD(list(model.parameters()) + [scale], lr=0.05)
losses = []
for step in range(60):
    optimizer.zero_grad()
    loss = ((model(x) * scale - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
check_training(model, losses)
