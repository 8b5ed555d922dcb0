"""The LLM path for errors no rule recognises.

When the context has a brain (``ctx.brain.complete(system, prompt) -> str``,
implemented by the autonomous mode's brains), the frames and the source around
them go to the model, which answers with line edits in JSON. A proposed patch
is offered only if every edited file still parses (``ast``), passes
``ruff check`` for errors, and re-running what failed (the project's pilot or
the user's ``--command``) in the sandbox passes the training check with the
patch applied (it is reverted afterwards; offering is not applying). Without a
way to re-run, no LLM patch is offered: an unverified guess is worse than an
honest "unrecognised".
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

from mlintern.tools.diagnose.apply import apply_edits, revert
from mlintern.tools.errors import ToolError

SYSTEM = (
    "You repair PyTorch training scripts. Given an error, the stack frames and the source around them, reply "
    'with ONE JSON object and nothing else: {"explanation": str, "title": str, "edits": [{"path": str, '
    '"start_line": int, "end_line": int, "new_text": str}]}. Lines are 1-based and inclusive; new_text '
    "replaces those whole lines. Fix the cause so the script trains; never silence the error (no try/except, "
    "no skipping steps, no detaching the loss, no smaller model)."
)
CONTEXT_LINES = 15


SHAPE = re.compile(r"(?:torch\.Size\(\[[\d, ]*\]\)|\[\d+(?:, ?\d+)+\]|\(\d+(?:, ?\d+)+\)|\d+x\d+)")


def _prompt(ws, diagnosis: dict, text: str, tried: list[dict] | None = None) -> str:
    parts = [f"Error: {diagnosis['error']['type']}: {diagnosis['error']['message'][:2000]}"]
    shapes = sorted(set(SHAPE.findall(diagnosis["error"]["message"])))
    if shapes:
        parts.append(f"Shapes named in the error: {', '.join(shapes[:12])}")
    if diagnosis.get("category") not in (None, "unrecognised"):
        parts.append(f"The rule-based reading ({diagnosis['category']}): {diagnosis['explanation'][:1500]}")
    for a in tried or []:
        parts.append(f"Already tried and rejected by the training check: {a['title']} -> {a['note'][:300]}")
    parts += ["", "Frames:"]
    parts += [
        f"  {f['file']}:{f['line']} in {f['function']}{'' if f['user'] else ' (library)'}"
        for f in diagnosis["frames"][-12:]
    ]
    shown = 0
    for frame in reversed(diagnosis["frames"]):
        if not frame["user"] or shown >= 3:
            continue
        try:
            path = ws.path(frame["file"], must_exist=True)
        except ToolError:
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        lo, hi = max(1, frame["line"] - CONTEXT_LINES), min(len(lines), frame["line"] + CONTEXT_LINES)
        parts += ["", f"--- {frame['file']} lines {lo}-{hi}"]
        parts += [f"{n:5d}{'>' if n == frame['line'] else ' '} {lines[n - 1]}" for n in range(lo, hi + 1)]
        shown += 1
    parts += ["", "Log tail:", text[-3000:]]
    return "\n".join(parts)


def _parse_reply(reply: str) -> dict | None:
    match = re.search(r"\{.*\}", reply, re.S)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    edits = data.get("edits") if isinstance(data, dict) else None
    if not isinstance(edits, list) or not edits:
        return None
    for e in edits:
        if not (
            isinstance(e, dict)
            and isinstance(e.get("path"), str)
            and isinstance(e.get("start_line"), int)
            and isinstance(e.get("end_line"), int)
            and isinstance(e.get("new_text"), str)
        ):
            return None
    return data


def _lint_ok(paths: list[Path]) -> bool:
    for path in paths:
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            return False
    if importlib.util.find_spec("ruff") is None:  # the project's own ruff, never one from PATH
        return True
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--select",
            "E9,F63,F7,F82",
            "--",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode == 0


def llm_fixes(
    ctx, diagnosis: dict, text: str, checker, tried: list[dict] | None = None, confine=None
) -> list[dict]:
    """Ask the brain for a patch; return it as a fix only when it parses, lints and passes ``checker``.

    ``checker()`` re-runs what failed and returns an ``Outcome`` (see ``verify.py``); None means nothing can
    be re-run, and then no LLM patch is offered.
    """
    ws = ctx.workspace
    if checker is None:
        ctx.log("diagnose: an LLM patch needs something to re-run (a project or --command); not asked")
        return []
    try:
        reply = ctx.brain.complete(SYSTEM, _prompt(ws, diagnosis, text, tried))
    except Exception as err:  # a brain is an external service: any failure means "no LLM fix", never a crash
        ctx.log(f"diagnose: the brain failed ({err}); no LLM fix")
        return []
    data = _parse_reply(reply or "")
    if data is None:
        ctx.log("diagnose: the brain's reply had no usable edits")
        return []
    try:
        if confine is not None:  # the model's edits are no more trusted than the traceback: same folder rule
            confine(data["edits"])
        originals = apply_edits(ws, data["edits"])
    except ToolError as err:
        ctx.log(f"diagnose: the LLM patch does not apply ({err})")
        return []
    try:
        if not _lint_ok(list(originals)):
            ctx.log("diagnose: the LLM patch does not parse or fails ruff")
            return []
        outcome = checker()
        ctx.log(f"diagnose: LLM patch re-run: {outcome.note}")
        if not outcome.ok:
            return []
    finally:
        revert(originals)
    if data.get("explanation"):
        diagnosis["explanation"] += f" The language model's reading: {str(data['explanation'])[:1000]}"
    return [
        {
            "title": str(data.get("title") or "LLM patch (verified in the sandbox)")[:200],
            "confidence": 0.6,
            "edits": data["edits"],
        }
    ]
