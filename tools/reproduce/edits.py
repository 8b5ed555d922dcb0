"""Apply a fix's text edits to a project, confined to it, and return the diff.

The rules (1-based inclusive lines, insertions, all-or-nothing) are the diagnosis tool's:
``mlintern.tools.diagnose.apply`` is the one applier every face uses.
"""

from __future__ import annotations

from pathlib import Path

from mlintern.tools.diagnose.apply import apply_edits as _apply
from mlintern.tools.diagnose.apply import diff, folder_resolver


def apply_edits(project: Path, workspace_root: Path, edits: list[dict]) -> str:
    """Apply ``edits`` inside ``project``; return a unified diff of every changed file (paths relative to it)."""
    originals = _apply(folder_resolver(project, workspace_root), edits)
    return diff(originals, project)
