"""The one text-edit applier: every face (the CLI and MCP tool, the autonomous agent, the LSP quick fixes)
applies a Diagnosis fix through here, with the same rules.

The contract of an edit (``{"path", "start_line", "end_line", "new_text"}``):

* lines are 1-based and inclusive; ``new_text`` replaces the whole lines ``start_line..end_line``
  (a final newline is added when missing; an empty ``new_text`` deletes them);
* ``end_line == start_line - 1`` is an insertion before ``start_line`` (``start_line`` may then be one past
  the last line, to append);
* edits of one file must not overlap; they are applied bottom-up so earlier line numbers stay valid;
* every edit of a fix is validated (path confined, lines in range) before any file is written, so a fix
  is applied entirely or not at all;
* paths are resolved by the caller's ``resolve`` (the workspace's ``path(..., write=True)`` by default),
  so an edit can never land outside the folder it is confined to, whatever the diagnosis or an LLM says.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from mlintern.tools.errors import ToolError


def edit_span(edit: dict) -> tuple[int, int, str]:
    """``(start, end, new_text)`` of one edit, checked against the contract (not yet against a file)."""
    try:
        start, end = int(edit["start_line"]), int(edit["end_line"])
    except (KeyError, TypeError, ValueError) as err:
        raise ToolError(
            f"Malformed edit {edit!r}: needs integer start_line and end_line.",
            hint="Diagnose again; edits come from the diagnosis.",
            code="invalid_fix",
        ) from err
    if start < 1 or end < start - 1:
        raise ToolError(
            f"Edit lines {start}-{end} are not a valid range (1-based, inclusive; end = start - 1 inserts).",
            hint="Diagnose again; edits come from the diagnosis.",
            code="invalid_fix",
        )
    new = str(edit.get("new_text") or "")
    if new and not new.endswith("\n"):
        new += "\n"
    return start, end, new


def lsp_range(edit: dict) -> tuple[int, int, str]:
    """The same edit as an LSP whole-line range: ``(first_row, end_row_exclusive, new_text)``, rows 0-based."""
    start, end, new = edit_span(edit)
    return start - 1, max(end, start - 1), new


def apply_to_text(text: str, edits: list[dict], name: str = "file") -> str:
    """``text`` with ``edits`` (all for this one file) applied; raises ``stale_edit`` when one does not fit."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    spans = sorted((edit_span(e) for e in edits), key=lambda s: (-s[0], -s[1]))
    limit = len(lines) + 1  # the previous (lower) edit's start: no edit may reach it
    for start, end, new in spans:
        if start > len(lines) + 1 or end > len(lines) or end >= limit:
            raise ToolError(
                f"Edit lines {start}-{end} do not fit {name} ({len(lines)} lines) or overlap another edit.",
                hint="The file changed since the diagnosis; diagnose again.",
                code="stale_edit",
            )
        lines[start - 1 : end] = new.splitlines(keepends=True)
        limit = start
    return "".join(lines)


def plan(edits: list[dict], resolve: Callable[[str], Path]) -> dict[Path, tuple[str, str]]:
    """Validate every edit and compute each file's new text: ``{path: (old_text, new_text)}``; writes nothing."""
    by_file: dict[Path, list[dict]] = {}
    for edit in edits:
        if not isinstance(edit, dict) or not isinstance(edit.get("path"), str):
            raise ToolError(f"Malformed edit {edit!r}: needs a path.", code="invalid_fix")
        by_file.setdefault(resolve(edit["path"]), []).append(edit)
    if not by_file:
        raise ToolError("The fix has no edits.", code="invalid_fix")
    out: dict[Path, tuple[str, str]] = {}
    for path, file_edits in by_file.items():
        if path.is_symlink() or not path.is_file():
            raise ToolError(
                f"{path} is not a regular file.", hint="Edits apply to source files only.", code="invalid_fix"
            )
        old = path.read_text(encoding="utf-8")
        out[path] = (old, apply_to_text(old, file_edits, path.name))
    return out


def workspace_resolver(workspace) -> Callable[[str], Path]:
    return lambda raw: workspace.path(raw, must_exist=True, write=True)


def folder_resolver(folder: Path, *bases: Path) -> Callable[[str], Path]:
    """Resolve a path against ``folder`` (then each of ``bases``), accepting only files inside ``folder``."""
    root = folder.resolve()

    def resolve(raw: str) -> Path:
        p = Path(raw)
        for candidate in [p] if p.is_absolute() else [root / p, *(Path(b) / p for b in bases)]:
            resolved = candidate.resolve()
            if resolved.is_relative_to(root) and resolved.is_file():
                return resolved
        raise ToolError(
            f"The fix edits {raw!r}, which is not a file inside the project {root}.",
            hint="Only edits inside the project are applied automatically.",
            code="edit_outside_project",
        )

    return resolve


def apply_edits(workspace_or_resolve, edits: list[dict]) -> dict[Path, str]:
    """Apply ``edits`` all-or-nothing; return the original text of each changed file (for ``revert``).

    The first argument is a Workspace (paths confined to it) or a ``resolve(path) -> Path`` callable.
    """
    resolve = (
        workspace_or_resolve if callable(workspace_or_resolve) else workspace_resolver(workspace_or_resolve)
    )
    planned = plan(edits, resolve)
    written: dict[Path, str] = {}
    try:
        for path, (old, new) in planned.items():
            path.write_text(new, encoding="utf-8")
            written[path] = old
    except OSError:
        revert(written)
        raise
    return {path: old for path, (old, _new) in planned.items()}


def revert(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")


def diff(originals: dict[Path, str], root: Path) -> str:
    """A unified diff of the files changed since ``originals``, paths relative to ``root``."""
    parts = []
    for path, before in originals.items():
        after = path.read_text(encoding="utf-8")
        rel = path.relative_to(root.resolve()) if path.is_relative_to(root.resolve()) else path
        parts.append(
            "".join(
                difflib.unified_diff(
                    before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
                )
            )
        )
    return "".join(parts)
