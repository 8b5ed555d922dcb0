"""Writing the project folder without ever losing a user's edits.

``mlintern.json`` records the sha256 of every file mlintern wrote. On a second
run, a file whose content still matches its recorded digest is mlintern's and is
replaced; a file that differs (the user edited it), or one with a generated
name that mlintern did not write, is left alone and the call fails, unless
``overwrite`` is set. Even then the user's version is kept as ``NAME.bak``.
Each file is written to a temporary name and renamed, so a crash never leaves
half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mlintern.tools.errors import ToolError
from mlintern.tools.workspace import PROJECT_META

META = PROJECT_META


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def _recorded(out_dir: Path) -> dict[str, str]:
    try:
        meta = json.loads((out_dir / META).read_text())
        return dict(meta.get("files") or {})
    except (OSError, ValueError, AttributeError):
        return {}


def conflicts(out_dir: Path, files: dict[str, str]) -> list[str]:
    """Generated names that exist with content mlintern did not write (user edits or foreign files)."""
    recorded = _recorded(out_dir)
    found = []
    for name, text in files.items():
        path = out_dir / name
        if not path.exists():
            continue
        current = digest(path.read_bytes())
        if current not in (recorded.get(name), digest(text)):
            found.append(name)
    meta_path = out_dir / META
    if meta_path.exists() and not recorded and META not in found:
        found.append(META)
    return found


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".mlintern-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_project(out_dir: Path, files: dict[str, str], meta: dict, *, overwrite: bool) -> list[str]:
    """Write ``files`` and ``mlintern.json`` into ``out_dir``; returns the names written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ToolError(f"{out_dir} exists and is not a folder.", hint="Pass another output folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    edited = conflicts(out_dir, files)
    if edited and not overwrite:
        raise ToolError(
            f"{out_dir} already has files mlintern did not write or that were edited since: {', '.join(edited)}.",
            hint="Pass another output folder, or overwrite=true (--overwrite) to replace them; "
            "the current versions are then kept as NAME.bak.",
            code="would_overwrite",
        )
    for name in edited:
        os.replace(out_dir / name, out_dir / f"{name}.bak")
    for name, text in files.items():
        _write(out_dir / name, text)
    meta = {**meta, "files": {name: digest(text) for name, text in files.items()}}
    _write(out_dir / META, json.dumps(meta, indent=2) + "\n")
    return [*files, META]
