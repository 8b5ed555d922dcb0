"""Parsing real (and, for CUDA/NCCL, hand-copied) logs into exceptions and frames."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlintern.tools.diagnose.parse import is_user_file, parse_log

DATA = Path(__file__).parent / "test_data" / "diagnose"


def first(name: str):
    parsed = parse_log((DATA / name).read_text())
    return parsed, parsed.candidates()[0]


def test_torchrun_interleaved_ranks_pick_a_rank_traceback_not_the_launcher_summary():
    parsed, exc = first("torchrun_ddp_unused.log")
    assert parsed.ranks == [0, 1]
    assert exc.rank == 0
    assert exc.message.startswith("Expected to have finished reduction in the prior iteration")
    assert "Parameter indices which did not receive grad for rank 0: 2 3" in exc.message
    assert [(f.line, f.function) for f in exc.user_frames] == [(34, "<module>"), (26, "main")]
    wrappers = [e for e in parsed.exceptions if e.is_wrapper]
    assert wrappers and wrappers[0].short_type == "ChildFailedError"


def test_dataloader_worker_reraise_yields_the_workers_original_error_first():
    parsed, exc = first("dataloader_worker.log")
    assert exc.message.startswith("stack expects each tensor to be equal size")
    assert not exc.user_frames  # raised inside default_collate
    wrapper = next(e for e in parsed.exceptions if e.is_wrapper)
    assert wrapper.message.startswith("Caught RuntimeError in DataLoader worker process 0")
    assert wrapper.user_frames[-1].file.endswith("collate_in_worker/train.py")


def test_chained_exceptions_keep_order_and_relation():
    parsed, exc = first("chained.log")
    assert [e.short_type for e in parsed.exceptions] == ["FileNotFoundError", "RuntimeError", "TypeError"]
    assert [e.chained for e in parsed.exceptions] == [None, "cause", "context"]
    assert exc.short_type == "TypeError"
    assert exc.user_frames[-1].line == 17


def test_ansi_colours_progress_bars_and_warnings_are_noise():
    parsed, exc = first("ansi_noise.log")
    assert exc.type == "ModuleNotFoundError"
    assert exc.message == "No module named 'cv2'"
    assert "\x1b" not in parsed.text and "\r" not in parsed.text
    assert len(parsed.exceptions) == 1


def test_cuda_device_side_assert_is_flagged_with_its_condition():
    parsed, exc = first("cuda_device_assert.log")
    assert parsed.cuda_async
    assert parsed.asserts == ["srcIndex < srcSelectDimSize"]
    assert exc.message.startswith("CUDA error: device-side assert triggered")
    assert [f.user for f in exc.frames] == [True, False, False]


def test_nccl_timeout_without_a_python_traceback_in_the_rank_output():
    parsed, exc = first("nccl_timeout.log")
    assert exc.short_type == "DistBackendError"
    assert "Watchdog caught collective operation timeout" in exc.message
    assert exc.rank == 1


def test_truncated_traceback_is_reported_as_such():
    text = (DATA / "cuda_oom.log").read_text().splitlines()
    parsed = parse_log("\n".join(text[:6]))
    exc = parsed.candidates()[0]
    assert exc.truncated and exc.type == ""
    assert exc.user_frames[-1].file == "/workspace/vit/model.py"


def test_garbage_gives_no_exception():
    assert parse_log("just some words\n\x00\x01 and binary").exceptions == []


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("/home/me/proj/train.py", True),
        ("train.py", True),
        ("/usr/lib/python3.11/site-packages/torch/nn/modules/module.py", False),
        ("/root/.pyenv/versions/3.11.7/lib/python3.11/runpy.py", False),
        ("<frozen runpy>", False),
        ("/root/.pyenv/versions/3.11.7/bin/torchrun", False),
        ("C:\\Users\\me\\proj\\train.py", True),
    ],
)
def test_user_versus_library_frames(path, user):
    assert is_user_file(path) is user
