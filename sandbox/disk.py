"""Stop a run before it fills the host's disk.

The sandbox can write only its project and output folders, but those live on the host's file system:
one run writing without end (a checkpoint every step, a runaway log, many small files) fills the disk the
server, the database and every other program need. RLIMIT_FSIZE caps one file, not the sum, and there are
no per-run quotas without cgroups or a dedicated file system; so the supervisor polls the free space of
the file systems the run writes to and stops the run when it falls under a reserve.

The reserve is ``MLINTERN_DISK_RESERVE_MB`` when set; else the smaller of 1 GiB and half of what was
free when the run started (a nearly full disk still gets to run a small job).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

MiB = 1024**2
DEFAULT_RESERVE = 1024 * MiB
CHECK_EVERY_S = 0.5


def _free(path: Path) -> int | None:
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


class DiskGuard:
    """``check()`` returns a reason to stop once a watched file system has less free space than the reserve."""

    def __init__(self, folders: list[Path | str], reserve: int | None = None) -> None:
        self.folders = [Path(f) for f in folders]
        if reserve is None:
            given = os.environ.get("MLINTERN_DISK_RESERVE_MB", "").strip()
            if given:
                reserve = int(float(given) * MiB)
        if reserve is None:
            free = [f for f in map(_free, self.folders) if f is not None]
            reserve = min(DEFAULT_RESERVE, min(free) // 2) if free else DEFAULT_RESERVE
        self.reserve = reserve
        self.last = 0.0

    def check(self) -> str | None:
        now = time.monotonic()
        if now - self.last < CHECK_EVERY_S:
            return None
        self.last = now
        for folder in self.folders:
            free = _free(folder)
            if free is not None and free < self.reserve:
                return (
                    f"disk nearly full: {free / MiB:,.0f} MB free where the run writes ({folder}), under the "
                    f"{self.reserve / MiB:,.0f} MB reserve; stopped so this machine keeps working (free space, "
                    "or set MLINTERN_DISK_RESERVE_MB)"
                )
        return None
