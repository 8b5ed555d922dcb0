import torch
import torch.nn as nn
import torch.nn.functional as F
from zoocheck import check_training

torch.manual_seed(0)
SYMBOLS = 5  # index 0 is the CTC blank
FRAMES_PER_SYMBOL = 3
LABEL_LEN = 4


def synth(n):
    labels = torch.randint(1, SYMBOLS, (n, LABEL_LEN))
    frames = labels.repeat_interleave(FRAMES_PER_SYMBOL, dim=1)
    feats = F.one_hot(frames, SYMBOLS).float() + 0.3 * torch.randn(n, frames.shape[1], SYMBOLS)
    return feats, labels


class Recognizer(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.rnn = nn.GRU(SYMBOLS, hidden, batch_first=True)
        self.out = nn.Linear(hidden, SYMBOLS)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h).log_softmax(-1)  # (batch, time, symbols)


model = Recognizer()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(60):
    feats, labels = synth(16)
    log_probs = model(feats)
    input_lengths = torch.full((feats.shape[0],), feats.shape[1], dtype=torch.long)
    target_lengths = torch.full((feats.shape[0],), LABEL_LEN, dtype=torch.long)
    loss = F.ctc_loss(log_probs, labels, input_lengths, target_lengths)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
check_training(model, losses)
