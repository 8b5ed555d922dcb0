"""Rules on logs that the CPU bug zoo cannot produce: real CUDA logs (made on a GPU with
test_data/diagnose/make_cuda_logs.sh), torchrun/gloo DDP, NCCL timeouts, killed DataLoader workers, OOM."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from mlintern.tools.diagnose.apply import apply_edits
from mlintern.tools.diagnose.engine import diagnose_text
from mlintern.tools.diagnose.rules_api import DISTRIBUTIONS

DATA = Path(__file__).parent / "test_data" / "diagnose"


@pytest.fixture
def sources(workspace):
    for folder in ("cuda_sources", "sources"):
        for f in (DATA / folder).iterdir():
            shutil.copy(f, workspace.root / f.name)
    return workspace


def diagnose(ws, log: str) -> dict:
    return diagnose_text((DATA / log).read_text(), ws.root)


def applied(ws, fix: dict) -> str:
    apply_edits(ws, fix["edits"])
    return (ws.root / fix["edits"][0]["path"]).read_text()


def test_real_cuda_embedding_assert_enlarges_the_vocabulary_constant(sources):
    d = diagnose(sources, "cuda_real_embed_assert.log")
    assert d["category"] == "embedding_index"
    assert "asynchronously" in d["explanation"]
    assert "VOCAB = 120" in applied(sources, d["fixes"][0])


def test_real_cuda_target_assert_grows_the_head_to_the_label_range(sources):
    d = diagnose(sources, "cuda_real_target_assert.log")
    assert d["category"] == "target_out_of_bounds"
    assert "nn.Linear(8, 7)" in applied(sources, d["fixes"][0])


def test_real_device_mismatch_creates_the_tensor_on_the_inputs_device(sources):
    d = diagnose(sources, "cuda_real_device_mismatch.log")
    assert d["category"] == "device_mismatch"
    assert d["location"] == {"file": "device_mismatch.py", "line": 11}
    assert "torch.randn(x.shape[0], 4, device=x.device)" in applied(sources, d["fixes"][0])


def test_real_oom_explains_the_ladder_and_never_shrinks_the_model(sources):
    d = diagnose(sources, "cuda_real_oom.log")
    assert d["category"] == "out_of_memory"
    assert "gradient accumulation" in d["explanation"] and "autocast" in d["explanation"]
    assert d["fixes"] == []  # no DataLoader to shrink: an honest explanation, not a smaller model


OOM_LOOP = """import torch
from torch.utils.data import DataLoader

loader = DataLoader(dataset, batch_size=64, shuffle=True)
for x, y in loader:
    optimizer.zero_grad()
    loss = model(x, y)
    loss.backward()
    optimizer.step()
"""


def test_oom_first_rung_halves_the_micro_batch_and_accumulates(workspace):
    (workspace.root / "train.py").write_text(OOM_LOOP)
    log = (
        'Traceback (most recent call last):\n  File "/job/train.py", line 7, in <module>\n    loss = model(x, y)\n'
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\n"
    )
    d = diagnose_text(log, workspace.root)
    assert d["category"] == "out_of_memory"
    text = applied(workspace, d["fixes"][0])
    ast.parse(text)
    assert "batch_size=32" in text and "accum_steps = 2" in text
    assert "(loss / accum_steps).backward()" in text
    body = text.split("for x, y in loader:")[1]
    assert body.index("optimizer.step()") < body.index("optimizer.zero_grad()")  # zeroed after each real step
    assert "if micro_step % accum_steps == 0:" in body


def test_torchrun_ddp_unused_parameters(sources):
    d = diagnose(sources, "torchrun_ddp_unused.log")
    assert d["category"] == "ddp_unused_parameters"
    assert "2 3" in d["explanation"]
    assert "DDP(Net(), find_unused_parameters=True)" in applied(sources, d["fixes"][0])


def test_nccl_timeout_without_source_explains_rank_divergence(workspace):
    d = diagnose(workspace, "nccl_timeout.log")
    assert d["category"] == "distributed_timeout"
    assert "DistributedSampler" in d["explanation"]
    assert d["fixes"] == []


def test_killed_dataloader_worker_uses_fewer_workers(sources):
    d = diagnose(sources, "dataloader_killed.log")
    assert d["category"] == "dataloader_worker_killed"
    assert "num_workers=1" in applied(sources, d["fixes"][0])


def test_dataloader_worker_reraise_is_diagnosed_from_the_original_error(workspace):
    case = Path(__file__).parent / "bugzoo" / "cases" / "collate_in_worker"
    shutil.copytree(case, workspace.root / "clips")
    d = diagnose(workspace, "dataloader_worker.log")
    assert d["category"] == "collate_variable_length"
    text = applied(workspace, d["fixes"][0])
    assert "collate_fn=pad_collate" in text and "def pad_collate(batch):" in text
    ast.parse(text)


@pytest.mark.parametrize(
    ("module", "dist"),
    [("sklearn", "scikit-learn"), ("cv2", "opencv-python"), ("PIL", "pillow"), ("yaml", "pyyaml")],
)
def test_module_not_found_names_the_distribution(workspace, module, dist):
    assert DISTRIBUTIONS[module] == dist
    log = (
        f'Traceback (most recent call last):\n  File "t.py", line 1, in <module>\nModuleNotFoundError: '
        f"No module named '{module}.sub'\n"
    )
    d = diagnose_text(log, workspace.root)
    assert d["category"] == "module_not_found"
    assert f"pip install {dist}" in d["explanation"]


def test_truncated_traceback_is_unrecognised_with_the_key_frame(workspace):
    (workspace.root / "model.py").write_text("\n" * 87 + "attn = (q @ k.transpose(-2, -1)) * self.scale\n")
    text = "\n".join((DATA / "cuda_oom.log").read_text().splitlines()[:6])
    d = diagnose_text(text, workspace.root)
    assert d["category"] == "unrecognised" and d["fixes"] == []
    assert d["location"] == {"file": "model.py", "line": 88}
    assert "cut off" in d["explanation"]
