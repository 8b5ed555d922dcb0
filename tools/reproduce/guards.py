"""Guards around the repair loop and costly steps.

``DoomLoopGuard`` stops a loop that sees the same diagnosis or would apply the
same edit twice: repeating a fix that did not work only burns budget.
``Approver`` gates costly or destructive steps (pushing to a hub, launching
many processes, installing packages outside the sandbox) behind a yes from a
person, unless pre-approved with ``--yes``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable


class DoomLoop(Exception):
    """The same diagnosis or the same edit came back; the loop stops honestly."""


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def diagnosis_signature(diagnosis: dict) -> str:
    """Category + error type + message with numbers and addresses blanked + location."""
    error = diagnosis.get("error") or {}
    message = re.sub(r"0x[0-9a-f]+|\d+", "N", str(error.get("message", "")))[:300]
    loc = diagnosis.get("location") or {}
    return _digest([diagnosis.get("category"), error.get("type"), message, loc.get("file"), loc.get("line")])


def edit_signature(edits: list[dict]) -> str:
    return _digest(
        [[e.get("path"), e.get("start_line"), e.get("end_line"), e.get("new_text")] for e in edits]
    )


class DoomLoopGuard:
    def __init__(self, seen_diagnoses: list[str] | None = None, seen_edits: list[str] | None = None) -> None:
        self.diagnoses = list(seen_diagnoses or [])
        self.edits = list(seen_edits or [])

    def see_diagnosis(self, diagnosis: dict) -> str:
        sig = diagnosis_signature(diagnosis)
        if sig in self.diagnoses:
            raise DoomLoop(
                f"the same diagnosis came back after a repair ({diagnosis.get('category')}: "
                f"{(diagnosis.get('error') or {}).get('message', '')[:120]}); repeating the fix would not help."
            )
        self.diagnoses.append(sig)
        return sig

    def see_edit(self, edits: list[dict]) -> str:
        sig = edit_signature(edits)
        if sig in self.edits:
            raise DoomLoop("the chosen fix repeats an edit that was already applied and did not work.")
        self.edits.append(sig)
        return sig


class Approver:
    """Asks before costly steps. ``pre_approved`` is ``--yes``; ``ask`` is a callable
    ``ask(question) -> bool`` (MCP elicitation plugs in here); by default a person at
    a terminal is asked, and a non-interactive run declines."""

    def __init__(self, *, pre_approved: bool = False, ask: Callable[[str], bool] | None = None) -> None:
        self.pre_approved = pre_approved
        self.ask = ask
        self.decisions: list[dict] = []

    def approve(self, action: str, detail: str) -> bool:
        if self.pre_approved:
            ok, how = True, "pre-approved (--yes)"
        elif self.ask is not None:
            ok, how = bool(self.ask(f"{action}: {detail}. Proceed?")), "asked"
        elif sys.stdin.isatty() and sys.stderr.isatty():
            sys.stderr.write(f"\nmlintern wants to {action}: {detail}\nProceed? [y/N] ")
            sys.stderr.flush()
            ok, how = sys.stdin.readline().strip().lower() in {"y", "yes"}, "asked at the terminal"
        else:
            ok, how = False, "declined: no one to ask (pass --yes to pre-approve)"
        self.decisions.append({"action": action, "detail": detail, "approved": ok, "how": how})
        return ok
