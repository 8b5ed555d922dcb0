"""The bug zoo's proof that a script really trains after a fix.

Every case ends with ``check_training(model, losses)``. A fix that merely
silences the error (skipping the step, detaching the loss, freezing layers)
fails here: the loss must be finite and falling and every parameter must get a
gradient.
"""

import math


def check_training(model, losses):
    assert losses, "ZOO-CHECK: no training step ran"
    assert all(math.isfinite(v) for v in losses), f"ZOO-CHECK: non-finite loss in {losses[:5]}..."
    k = max(1, len(losses) // 5)
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    assert last < 0.95 * first, f"ZOO-CHECK: loss did not fall ({first:.4f} -> {last:.4f})"
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert params, "ZOO-CHECK: the model has no trainable parameters"
    missing = [n for n, p in params if p.grad is None or not bool(p.grad.abs().sum() > 0)]
    assert not missing, f"ZOO-CHECK: parameters without gradients: {missing}"
    print(f"ZOO-OK loss {first:.4f} -> {last:.4f}")
