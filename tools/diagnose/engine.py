"""From a parsed log and the user's source to a Diagnosis.

Rules (``rules_*.py``) each claim an error by a regular expression over
``"Type: message"`` and then read the source to find the line that must change
and build ranked fixes. The first rule that returns a finding wins; an error
no rule explains gets an honest "unrecognised" diagnosis that points at the
key frame and invents no fix. Nothing here imports torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mlintern.tools.diagnose.parse import ExceptionRecord, Frame, ParsedLog, parse_log
from mlintern.tools.diagnose.source import Patch, SourceFile, Sources


@dataclass
class Fix:
    title: str
    confidence: float
    patches: list[Patch] = field(default_factory=list)

    def to_dict(self) -> dict:
        edits = [e for p in self.patches for e in p.edits()]
        return {"title": self.title, "confidence": round(self.confidence, 2), "edits": edits}


@dataclass
class Finding:
    category: str
    explanation: str
    location: tuple[SourceFile, int] | None = None
    fixes: list[Fix] = field(default_factory=list)
    install: dict | None = None  # {"package", "module", "command"}: a missing distribution to pip install


class Analysis:
    """One exception plus what the rules may ask about it and the source."""

    def __init__(self, exc: ExceptionRecord, parsed: ParsedLog, sources: Sources) -> None:
        self.exc = exc
        self.parsed = parsed
        self.sources = sources
        self.sites: list[tuple[Frame, SourceFile]] = []  # innermost first
        for frame in reversed(exc.frames):
            sf = sources.resolve(frame.file) if frame.user else None
            if sf is not None:
                self.sites.append((frame, sf))
                sources.add_dir(sf.path.parent)
        self.message = exc.message

    @property
    def site(self) -> tuple[Frame, SourceFile] | None:
        return self.sites[0] if self.sites else None


RuleFn = Callable[[Analysis, re.Match], "Finding | None"]
RULES: list[tuple[str, re.Pattern, RuleFn]] = []


def rule(category: str, pattern: str) -> Callable[[RuleFn], RuleFn]:
    """Register a rule: ``pattern`` is searched in ``"Type: message"`` (case-sensitive, DOTALL)."""

    def register(fn: RuleFn) -> RuleFn:
        RULES.append((category, re.compile(pattern, re.S), fn))
        return fn

    return register


def _load_rules() -> None:
    """Import every rule module (registration happens at import; importing twice is a no-op)."""
    # rules_contracts first: its rules act only on evidence in the program and otherwise pass the error on.
    # rules_calls first of all: library-call contracts (CTC layout, gather ranks, masks, checkpoints, ...), each
    # acting only when the failing call is the one it knows.
    from mlintern.tools.diagnose import rules_calls  # noqa: F401, I001
    from mlintern.tools.diagnose import rules_contracts  # noqa: F401, I001
    from mlintern.tools.diagnose import (  # noqa: F401
        rules_api,
        rules_autograd,
        rules_data,
        rules_runtime,
        rules_shapes,
    )


def analyse(parsed: ParsedLog, sources: Sources) -> tuple[ExceptionRecord | None, Finding, Analysis | None]:
    _load_rules()
    candidates = parsed.candidates()
    for exc in candidates:
        analysis = Analysis(exc, parsed, sources)
        for _category, pattern, fn in RULES:
            m = pattern.search(exc.text)
            if m:
                try:
                    finding = fn(analysis, m)
                except Exception:  # noqa: BLE001  (a rule that trips over unusual code passes the error on)
                    finding = None
                if finding is not None:
                    return exc, finding, analysis
    if not candidates:
        return (
            None,
            Finding(
                "unrecognised",
                "No Python exception or known error line was found in this log. "
                "Pass the full stderr of the failed run (the traceback is usually at its end).",
            ),
            None,
        )
    exc = candidates[0]
    analysis = Analysis(exc, parsed, sources)
    where = ""
    location = None
    if analysis.site:
        frame, sf = analysis.site
        location = (sf, frame.line)
        where = (
            f" The last line of your code on the stack is {sf.rel}:{frame.line} (`{sf.line(frame.line).strip()}`)"
            f" in {frame.function}(); start there: check the shapes, dtypes and devices of the values it uses."
        )
    elif exc.frames:
        last = exc.frames[-1]
        where = f" The stack ends in library code ({last.file}:{last.line}); no frame of your code was found."
    truncated = " The traceback is cut off, so the real error line is missing." if exc.truncated else ""
    return (
        exc,
        Finding(
            "unrecognised",
            f"mlintern does not recognise `{exc.text.splitlines()[0][:300]}`."
            f"{where}{truncated} No fix is offered rather than a guess.",
            location,
        ),
        analysis,
    )


def diagnose_text(text: str, root: Path, project: Path | None = None, mode: str | None = None) -> dict:
    """The Diagnosis for a log or traceback, reading source from ``root`` (paths relative to it).

    ``mode`` is the run's (pilot or full) when known: fixes size layers by the config values that run used.
    """
    parsed = parse_log(text)
    sources = Sources(root, project, mode)
    exc, finding, analysis = analyse(parsed, sources)
    frames = []
    if exc is not None:
        for frame in exc.frames:
            sf = sources.resolve(frame.file) if frame.user else None
            entry = frame.to_dict()
            if sf is not None:
                entry["file"] = sf.rel
            frames.append(entry)
    location = None
    if finding.location is not None:
        sf, line = finding.location
        location = {"file": sf.rel, "line": line}
    fixes = [f.to_dict() for f in finding.fixes]
    fixes = [f for f in fixes if f["edits"]]
    fixes.sort(key=lambda f: -f["confidence"])
    explanation = finding.explanation
    if parsed.cuda_async and finding.category != "unrecognised":
        explanation += (
            " CUDA reports errors asynchronously, so the line in the traceback may not be the one that"
            " failed; rerun with CUDA_LAUNCH_BLOCKING=1 (or on CPU) to confirm."
        )
    return {
        "error": {"type": exc.type if exc else "", "message": exc.message if exc else ""},
        "frames": frames,
        "category": finding.category,
        "explanation": explanation,
        "location": location,
        "fixes": fixes,
        "install": finding.install,
    }
