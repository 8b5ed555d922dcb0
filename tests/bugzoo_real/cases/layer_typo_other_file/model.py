import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)
        self.act = nn.Relu()

    def forward(self, x):
        return self.act(self.lin(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = Block(6, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(self.b1(x))
