import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from zoocheck import check_training

torch.manual_seed(0)
N_ACTIONS, STATE_DIM = 4, 8
# logged transitions from a replay buffer: the reward of an action depends on the state
states = torch.randn(512, STATE_DIM)
actions = torch.randint(0, N_ACTIONS, (512,))
rewards = states[torch.arange(512), actions] - 0.5 * states[torch.arange(512), actions + 4]
replay = TensorDataset(states, actions, rewards)

q_net = nn.Sequential(nn.Linear(STATE_DIM, 64), nn.ReLU(), nn.Linear(64, N_ACTIONS))
opt = torch.optim.Adam(q_net.parameters(), lr=3e-3)
losses = []
for epoch in range(4):
    for s, a, r in DataLoader(replay, batch_size=64, shuffle=True):
        q_values = q_net(s)
        q_taken = q_values.gather(1, a)
        loss = nn.functional.mse_loss(q_taken, r)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(q_net, losses)
