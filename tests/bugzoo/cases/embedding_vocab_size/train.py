import torch
from model import TinyLM
from zoocheck import check_training

torch.manual_seed(0)
ids = torch.randint(0, 1000, (32, 12))  # token ids from the tokenizer (vocab 1000)
topic = torch.randint(0, 4, (32,))
model = TinyLM()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(ids), topic)
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
