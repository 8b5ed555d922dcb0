"""The error types every face understands.

``ToolError`` is the one error for "the caller can fix this": bad input, a
missing file, a path outside the workspace, an offline download. Its message
says what is wrong and ``hint`` says what to try next. Every other exception is
a bug in mlintern and is reported as such.
"""

from __future__ import annotations


class ToolError(Exception):
    """A problem the caller can fix. ``str(err)`` is the message plus the hint."""

    def __init__(self, message: str, *, hint: str | None = None, code: str = "bad_input") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict:
        return {"error": self.code, "message": self.message, "hint": self.hint}


class Cancelled(Exception):
    """The caller cancelled the tool call (MCP cancellation, LSP cancel, Ctrl-C)."""
