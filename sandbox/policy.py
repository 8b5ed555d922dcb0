"""What a sandboxed command may do: where it may write, which env it gets, its limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

GiB = 1024**3


def _default_memory() -> int:
    """Three quarters of physical memory: leaves room for the server and the OS."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 * GiB
    return max(2 * GiB, int(total * 0.75))


@dataclass(frozen=True)
class Limits:
    """Resource limits. ``None`` means "no limit" for that resource.

    ``memory_bytes`` caps the address space (RLIMIT_AS) when no GPU is passed
    through (CUDA reserves huge virtual ranges, so on GPUs the supervisor polls
    resident memory instead). ``max_procs`` is enforced by RLIMIT_NPROC for
    non-root users and, always, by the supervisor counting the sandbox's
    processes and killing the tree when it is exceeded (root ignores NPROC).
    ``cpu_seconds`` (RLIMIT_CPU, per process) backs up the wall-clock budget,
    which the run supervisor enforces.
    """

    memory_bytes: int | None = field(default_factory=_default_memory)
    cpu_seconds: int | None = None
    max_procs: int | None = 256
    file_bytes: int | None = 64 * GiB


@dataclass(frozen=True)
class Policy:
    """The sandbox for one command.

    ``writable`` folders (the project, the run's output folder) are the only
    places the command can write besides a private, empty ``/tmp``; the rest
    of the system is read-only, the home folder is hidden, the network is cut.
    ``env_pass`` names (``NAME`` or ``NAME=value``) are the only variables
    passed beyond a small allow-list of harmless ones.
    """

    workdir: Path
    writable: tuple[Path, ...] = ()
    env_pass: tuple[str, ...] = ()
    env_set: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    network: bool = False
    gpu: bool = True  # pass /dev/nvidia* through when present
    hidden: tuple[Path, ...] = ()  # extra folders to hide (e.g. the workspace state dir)
