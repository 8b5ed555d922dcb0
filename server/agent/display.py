"""Progress for people (rich, on stderr) or machines (one JSON event per line on stdout).

Every event also goes to the workspace event log by the loop; the display only
shows it. With rich, the current step stays on a live status line and finished
steps scroll above it.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from mlintern.tools.reproduce.events import Events


def _shown(value: Any) -> str:
    from mlintern.sandbox.files import printable
    from rich.markup import escape

    return escape(printable(str(value)))


class Display(Events):
    def __init__(self, *, json_lines: bool = False, quiet: bool = False, stream=None) -> None:
        self.json_lines = json_lines
        self.quiet = quiet
        self.stream = stream
        self._status = None
        self._console = None
        if not json_lines and not quiet:
            from rich.console import Console

            self._console = Console(stderr=stream is None, file=stream, highlight=False)

    def event(self, kind: str, **data: Any) -> None:
        if self.json_lines:
            out = self.stream or sys.stdout
            out.write(json.dumps({"ts": round(time.time(), 3), "event": kind, **data}, default=str) + "\n")
            out.flush()
            return
        if self._console is None:
            return
        # messages quote runs (failure reasons, log lines, fix titles): no terminal escapes, no rich markup
        text = _shown(data.get("message") or "")
        data = {**data, "paper": _shown(data.get("paper", "")), "step": _shown(data.get("step", ""))}
        if kind == "step":
            self._set_status(f"[bold]{data.get('paper', '')}[/] · {data.get('step')}: {text}")
        elif kind == "progress":
            self._set_status(f"[bold]{data.get('paper', '')}[/] · {data.get('step')}: {text}")
        elif kind in {"done", "warning", "stop", "report", "plan", "repair", "approval"}:
            style = {
                "done": "green",
                "warning": "yellow",
                "stop": "red",
                "report": "bold green",
                "plan": "cyan",
                "repair": "magenta",
                "approval": "yellow",
            }[kind]
            self._console.print(f"[{style}]{kind:>8}[/] {data.get('step', '')} {text}".rstrip())

    def _set_status(self, text: str) -> None:
        if self._console is None or not self._console.is_terminal:
            if self._console is not None:
                self._console.print(f"[dim]     ...[/] {text}")
            return
        if self._status is None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
