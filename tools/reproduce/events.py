"""Where the loop's events go besides the workspace event log.

The engine only calls ``event(kind, **data)`` and ``close()``; each face gives
its own sink (the CLI a rich/JSON-lines display in ``mlintern.server.agent``,
the registry tool the caller's progress and log). The default shows nothing.
"""

from __future__ import annotations

from typing import Any


class Events:
    def event(self, kind: str, **data: Any) -> None:
        """Show one loop event (``step``, ``progress``, ``done``, ``warning``, ``stop``, ...)."""

    def close(self) -> None:
        """Release whatever the sink holds (a live status line)."""
