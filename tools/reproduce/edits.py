"""Apply a fix's text edits to a project, confined to it, and return the diff.

Edits use 1-based inclusive line ranges (the Diagnosis contract). Several
edits to one file are applied bottom-up so earlier line numbers stay valid.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from pathlib import Path

from mlintern.tools.errors import ToolError


def _resolve(project: Path, workspace_root: Path, raw: str) -> Path:
    p = Path(raw)
    candidates = [p] if p.is_absolute() else [project / p, workspace_root / p]
    for c in candidates:
        resolved = c.resolve()
        if resolved.is_relative_to(project.resolve()) and resolved.is_file():
            return resolved
    raise ToolError(f"The fix edits {raw!r}, which is not a file inside the project {project}.",
                    hint="Only edits inside the scaffolded project are applied automatically.",
                    code="edit_outside_project")


def apply_edits(project: Path, workspace_root: Path, edits: list[dict]) -> str:
    """Apply ``edits``; return a unified diff of every changed file (paths relative to the project)."""
    by_file: dict[Path, list[dict]] = defaultdict(list)
    for edit in edits:
        by_file[_resolve(project, workspace_root, edit["path"])].append(edit)
    diffs = []
    for path, file_edits in by_file.items():
        before = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = list(before)
        for edit in sorted(file_edits, key=lambda e: -int(e["start_line"])):
            start, end = int(edit["start_line"]), int(edit["end_line"])
            if start < 1 or start > len(lines) + 1 or end < start - 1 or end > len(lines):
                raise ToolError(f"Edit lines {start}-{end} do not fit {path.name} ({len(lines)} lines).",
                                hint="The file changed since the diagnosis; diagnose again.", code="stale_edit")
            new = edit.get("new_text", "")
            new_lines = new.splitlines(keepends=True)
            if new_lines and not new_lines[-1].endswith("\n"):
                new_lines[-1] += "\n"
            lines[start - 1:end] = new_lines
        path.write_text("".join(lines), encoding="utf-8")
        rel = path.relative_to(project.resolve())
        diffs.append("".join(difflib.unified_diff(before, lines, f"a/{rel}", f"b/{rel}")))
    return "".join(diffs)
