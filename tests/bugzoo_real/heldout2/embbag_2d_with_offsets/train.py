import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from zoocheck import check_training

torch.manual_seed(0)
VOCAB, CLASSES, DOC_LEN = 50, 3, 8
docs = [torch.randint(0, VOCAB, (DOC_LEN,)) for _ in range(300)]
data = [(d, int(d[:3].sum()) % CLASSES) for d in docs]


def collate(batch):
    texts = torch.stack([t for t, _ in batch])
    offsets = torch.arange(0, len(batch) * DOC_LEN, DOC_LEN)
    return texts, offsets, torch.tensor([c for _, c in batch])


class BagClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(VOCAB, 32, mode="mean")
        self.fc = nn.Linear(32, CLASSES)

    def forward(self, text, offsets):
        return self.fc(self.bag(text, offsets))


model = BagClassifier()
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
losses = []
for epoch in range(5):
    for text, offsets, y in DataLoader(data, batch_size=30, shuffle=True, collate_fn=collate):
        loss = nn.functional.cross_entropy(model(text, offsets), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
check_training(model, losses)
