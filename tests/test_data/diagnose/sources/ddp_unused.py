import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.aux = nn.Linear(4, 2)  # only used for evaluation

    def forward(self, x):
        return self.fc(x)


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = DDP(Net())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        opt.zero_grad()
        loss = model(torch.randn(8, 4)).sum()
        loss.backward()
        opt.step()
        print(f"rank {os.environ['RANK']} step {step}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
