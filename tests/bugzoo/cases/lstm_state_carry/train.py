import torch
from model import WordLSTM
from zoocheck import check_training

torch.manual_seed(0)
corpus = (torch.arange(4 * 201).view(4, 201) * 7 + torch.randint(0, 2, (4, 201))) % 30  # a noisy cycle
bptt = 25
model = WordLSTM()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
state = (torch.zeros(1, 4, 24), torch.zeros(1, 4, 24))
losses = []
for epoch in range(3):
    for i in range(0, corpus.size(1) - 1, bptt):
        inp, tgt = corpus[:, i:i + bptt], corpus[:, i + 1:i + 1 + bptt]
        logits, state = model(inp, state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 30), tgt.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
check_training(model, losses)
