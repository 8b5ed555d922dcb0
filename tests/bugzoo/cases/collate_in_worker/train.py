import torch
import torch.nn as nn
from data import Clips
from torch.utils.data import DataLoader
from zoocheck import check_training


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 5, padding=2)
        self.fc = nn.Linear(8, 2)

    def forward(self, wave):
        return self.fc(self.conv(wave[:, None, :]).relu().mean(-1))


if __name__ == "__main__":
    torch.manual_seed(0)
    loader = DataLoader(Clips(), batch_size=8, num_workers=2)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(4):
        for wave, label in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(wave), label)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    check_training(model, losses)
