"""A sandboxed fork server: import the heavy modules once, then run each request in a fresh forked child.

Run as ``python -c <this file's source> MODULES_JSON`` inside the sandbox (see :class:`mlintern.sandbox.run.
Worker`). Protocol, one JSON object per line: request ``{"source": str, "call": str, "args": [...]}`` on
stdin; the child execs ``source`` as a fresh module ``model`` (its own process: nothing it does reaches the
next request), runs the named driver (``count_params``: the full and the given configuration; ``count_each``: each
given configuration) and writes ``{"ok": result}`` or
``{"error": [type, message]}``; the worker answers one line per request on stdout.
"""

import json
import os
import sys
import types

for _name in json.loads(sys.argv[1]):
    __import__(_name)  # paid once, shared by every forked child (copy on write)

# Lazy initialisation torch does on first use (meta tensors, layer constructors, init functions) is paid
# here once, not in every forked child.
_WARM_TORCH = """
import torch
from torch import nn
with torch.device("meta"):
    layers = [nn.Linear(4, 4), nn.Conv2d(3, 4, 3), nn.Conv1d(3, 4, 3), nn.BatchNorm2d(4), nn.LayerNorm(4),
              nn.Embedding(8, 4), nn.MultiheadAttention(4, 2), nn.GRU(4, 4), nn.LSTM(4, 4), nn.GroupNorm(2, 4),
              nn.TransformerEncoderLayer(4, 2, 8), nn.ConvTranspose2d(4, 3, 3), nn.Dropout(0.1), nn.GELU()]
    sum(p.numel() for layer in layers for p in layer.parameters())
"""
if "torch" in json.loads(sys.argv[1]):
    try:
        exec(_WARM_TORCH, {})
    except Exception:  # noqa: BLE001 - warming is an optimisation only
        pass

_DRIVER = {
    "count_params": (
        "def _entry(values):\n    return [count_params(ModelConfig()), count_params(ModelConfig(**values))]\n"
    ),
    # each configuration's count, None for one the model cannot build (scaffold's fit to a stated count)
    "count_each": (
        "def _entry(many):\n"
        "    out = []\n"
        "    for values in many:\n"
        "        try:\n"
        "            out.append(count_params(ModelConfig(**values)))\n"
        "        except (AssertionError, ValueError, RuntimeError, KeyError, TypeError, ZeroDivisionError):\n"
        "            out.append(None)\n"
        "    return out\n"
    ),
    # a classifier's first and last loss over a few optimiser steps on one fixed random batch (a model that
    # cannot lower the loss on one batch cannot train); used to verify LLM-written model code
    "pilot_steps": (
        "def _entry(values, steps):\n"
        "    import torch as _t\n"
        "    _t.manual_seed(0)\n"
        "    config = ModelConfig(**values)\n"
        "    model = Model(config)\n"
        "    x = _t.randn(8, config.in_channels, config.image_size, config.image_size)\n"
        "    y = _t.randint(0, config.num_classes, (8,))\n"
        "    opt = _t.optim.Adam(model.parameters(), lr=1e-3)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = _t.nn.functional.cross_entropy(model(x), y)\n"
        "        opt.zero_grad()\n"
        "        loss.backward()\n"
        "        opt.step()\n"
        "        losses.append(float(loss))\n"
        "    return [losses[0], losses[-1]]\n"
    ),
}


def _child(request, wfd):
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # the source's prints must not reach the protocol stream
    try:
        module = types.ModuleType("model")
        sys.modules["model"] = module  # dataclasses look their module up while the class is built
        exec(compile(request["source"], "model.py", "exec"), module.__dict__)
        exec(_DRIVER[request["call"]], module.__dict__)
        line = json.dumps({"ok": module.__dict__["_entry"](*request.get("args", []))})
    except BaseException as err:  # noqa: BLE001 - every failure is reported, never raised (too deep too)
        line = json.dumps({"error": [type(err).__name__, str(err)[:500]]})
    os.write(wfd, (line + "\n").encode())
    os._exit(0)


def main():
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            _child(request, wfd)
        os.close(wfd)
        with os.fdopen(rfd, "rb") as fh:
            data = fh.read(1 << 20)
        os.waitpid(pid, 0)
        # The model's code ran in that child and may have written to the answer pipe too: only the last
        # line counts (the child's own answer comes last), and exactly one line goes back per request.
        lines = data.decode(errors="replace").strip().splitlines()
        sys.stdout.write(
            (
                lines[-1]
                if lines
                else json.dumps({"error": ["Crashed", "the request's process died without an answer"]})
            )
            + "\n"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
