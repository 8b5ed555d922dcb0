import json

config = json.load(open("config.json"))
train = {key: fact["value"] for key, fact in config["train"].items()}
lr = train["learning_rate"]
warmup = train["warmup_steps"]
steps = 10
for step in range(steps):
    scale = min((step + 1) / warmup, 1.0)
    print(step, lr * scale)
