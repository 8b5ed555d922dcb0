"""Checks on the project folder before anything is started: clear errors, nothing touched."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools.errors import ToolError
from mlintern.tools.workspace import PROJECT_META, TRAIN_SCRIPT

CONTRACT_FLAGS = ("--out-dir", "--max-steps")


def check_project(project: Path) -> Path:
    """Return ``project/train.py`` after checking the folder is a runnable, writable mlintern project."""
    if not project.is_dir():
        raise ToolError(
            f"{project} is not a folder.",
            hint="Pass the project folder made by scaffold-model.",
            code="not_found",
        )
    script = project / TRAIN_SCRIPT
    if not script.is_file():
        raise ToolError(
            f"{project} has no train.py, so there is nothing to train.",
            hint="Create the project with scaffold-model (mlintern scaffold-model SPEC -o DIR).",
            code="not_found",
        )
    if not (project / PROJECT_META).is_file():
        # the last run may have left any train.py (a sparse 1.5 GB one took 3 GB here): a bounded, safe read
        text = files.try_read_text(script, root=project, limit=4 * files.MiB) or ""
        if not all(flag in text for flag in CONTRACT_FLAGS):
            raise ToolError(
                f"{project} does not look like an mlintern project: no mlintern.json, and its train.py does not "
                f"take {' and '.join(CONTRACT_FLAGS)}.",
                hint="run-training drives scaffold-model projects (train.py with --pilot, --max-steps N, "
                "--out-dir DIR, --resume, --ckpt-every N). Scaffold one, or adapt train.py to that contract.",
                code="foreign_project",
            )
    probe_writable(project)
    return script


def probe_writable(folder: Path) -> None:
    """Really write a file (permission bits lie for root, read-only mounts and full disks)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mlintern-probe-") as fh:
            fh.write(b"x" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise ToolError(
            f"Cannot write in {folder}: {err.strerror or err}.",
            hint="Training writes checkpoints and logs there: make it writable or free some space, "
            "then run again. Nothing was started.",
            code="not_writable",
        ) from err
