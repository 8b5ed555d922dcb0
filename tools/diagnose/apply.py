"""Apply a fix's text edits to the workspace, and undo them.

Every path goes through ``Workspace.path(..., write=True)``, so an edit can
never land outside the workspace, whatever the diagnosis (or an LLM) says.
Edits of one file are checked against its current length and applied bottom
up, so earlier line numbers stay valid.
"""

from __future__ import annotations

from pathlib import Path

from mlintern.tools.errors import ToolError


def apply_edits(workspace, edits: list[dict]) -> dict[Path, str]:
    """Apply ``edits``; return the original text of each changed file (for ``revert``)."""
    by_file: dict[Path, list[dict]] = {}
    for edit in edits:
        path = workspace.path(edit["path"], must_exist=True, write=True)
        by_file.setdefault(path, []).append(edit)
    originals: dict[Path, str] = {}
    new_texts: dict[Path, str] = {}
    for path, file_edits in by_file.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        previous_start = len(lines) + 2
        for edit in sorted(file_edits, key=lambda e: -e["start_line"]):
            start, end = edit["start_line"], edit["end_line"]
            if not (1 <= start <= end <= len(lines)) or end >= previous_start:
                raise ToolError(f"Edit {start}-{end} does not fit {edit['path']} ({len(lines)} lines) or overlaps "
                                "another edit.", hint="The file changed since the diagnosis; diagnose again.",
                                code="stale_edit")
            new = edit["new_text"]
            if new and not new.endswith("\n"):
                new += "\n"
            lines[start - 1:end] = [new] if new else []
            previous_start = start
        originals[path] = text
        new_texts[path] = "".join(lines)
    for path, text in new_texts.items():
        path.write_text(text, encoding="utf-8")
    return originals


def revert(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")
