MODEL = {
    "in_dim": 16,
    "hidden_dim": 32,
    "out_dim": 1,
}
TRAIN = {"lr": 0.01, "steps": 50, "batch_size": 32}
