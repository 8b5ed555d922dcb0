"""Pick the strongest isolation that actually works here, by trying it once.

``bwrap``: bubblewrap namespaces (user, pid, net, mount, ipc, uts), read-only
system, hidden home, capabilities dropped. ``unshare``: a user namespace whose
root maps to an unprivileged host uid (:mod:`~mlintern.sandbox.userns`), then
util-linux ``unshare`` with the same namespaces and a minimal /dev built by our
reaper, capabilities dropped with ``setpriv``. ``rlimits``: no namespaces (macOS, locked-down containers): only
resource limits, a scrubbed environment and process-group kill; loud warning.
``none``: the explicit ``sandbox=false`` opt-out (limits and scrub still apply).

``MLINTERN_SANDBOX_MODE`` forces a mode (tests use it to exercise fallbacks);
forcing one that does not work here is an error, never a silent downgrade.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache

from mlintern.tools.errors import ToolError

MODES = ("bwrap", "unshare", "rlimits")


def _works(argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@cache
def mode_works(mode: str) -> bool:
    if mode == "bwrap":
        exe = shutil.which("bwrap")
        return bool(exe) and _works(
            [
                exe,
                "--unshare-all",
                "--die-with-parent",
                "--cap-drop",
                "ALL",
                "--ro-bind",
                "/",
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--",
                "true",
            ]
        )
    if mode == "unshare":
        from mlintern.sandbox.launch import userns_prefix

        unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
        return bool(unshare and setpriv) and _works(
            [
                *userns_prefix(),
                unshare,
                "--net",
                "--pid",
                "--fork",
                "--kill-child",
                "--mount",
                "--mount-proc",
                "--propagation",
                "private",
                "--",
                "mount",
                "-t",
                "tmpfs",
                "tmpfs",
                "/tmp",
            ]
        )
    return mode == "rlimits"


def available_mode() -> str:
    """The mode ``sandbox=true`` uses on this machine."""
    forced = os.environ.get("MLINTERN_SANDBOX_MODE")
    if forced:
        if forced not in MODES:
            raise ToolError(
                f"MLINTERN_SANDBOX_MODE={forced!r} is not a sandbox mode.",
                hint=f"Use one of {', '.join(MODES)}, or unset it.",
            )
        if not mode_works(forced):
            raise ToolError(
                f"Sandbox mode {forced!r} was forced but does not work on this machine.",
                hint="Install bubblewrap (apt-get install bubblewrap) or unset MLINTERN_SANDBOX_MODE.",
                code="sandbox_unavailable",
            )
        return forced
    return next(m for m in MODES if mode_works(m))
