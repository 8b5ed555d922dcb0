import torch.nn as nn


class MLP(nn.Module):
    """Two-layer perceptron for tabular data."""

    def __init__(self, in_dim, hidden, n_classes):
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(32, n_classes)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
