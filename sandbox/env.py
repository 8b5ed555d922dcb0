"""Build a scrubbed environment for untrusted code.

Allow-list, not deny-list: the child gets only harmless variables (locale,
thread counts, CUDA device selection) plus what the caller names explicitly.
Even allow-listed names are dropped when they look like secrets, so a
``CUDA_TOKEN`` cannot slip through a prefix rule.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Mapping

from mlintern.tools.errors import ToolError

ALLOWED = (
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "TERM",
    "COLUMNS",
    "LINES",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_DEVICE_ORDER",
    "CUDA_HOME",
    "CUDA_PATH",
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "NCCL_*",
    "LD_LIBRARY_PATH",  # GPU containers find libcuda through it; not a secret (LD_PRELOAD stays out)
    "PYTHONHASHSEED",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "TORCH_HOME",
    "TORCH_CPP_LOG_LEVEL",
    "TORCH_DISTRIBUTED_DEBUG",
)

SECRET_PATTERNS = (
    "*TOKEN*",
    "*_KEY",
    "*KEY_*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*CREDENTIAL*",
    "AWS_*",
    "AZURE_*",
    "GOOGLE_*",
    "GCP_*",
    "ANTHROPIC_*",
    "OPENAI_*",
    "HF_*",
    "HUGGING*",
    "SSH_*",
    "GPG_*",
    "GITHUB_*",
    "WANDB_*",
    "*_AUTH*",
    "*COOKIE*",
    "*SESSION*",
)


def looks_secret(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pat) for pat in SECRET_PATTERNS)


def _allowed(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in ALLOWED) and not looks_secret(name)


def scrubbed_env(
    parent: Mapping[str, str] | None = None,
    *,
    passthrough: tuple[str, ...] = (),
    extra: Mapping[str, str] | None = None,
    home: str = "/tmp/home",
) -> dict[str, str]:
    """The environment for the sandboxed command.

    ``passthrough`` entries are ``NAME`` (copied from ``parent``) or
    ``NAME=value``; they are the caller's explicit choice, so they may be
    secrets. ``PATH`` starts with this interpreter's folder, so ``python`` and
    ``torchrun`` are the ones mlintern runs under, without shell shims.
    """
    parent = os.environ if parent is None else parent
    env = {k: v for k, v in parent.items() if _allowed(k)}
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = os.pathsep.join([bindir, "/usr/local/bin", "/usr/bin", "/bin"])
    env["HOME"] = home
    env["TMPDIR"] = "/tmp"
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("MPLBACKEND", "Agg")
    for item in passthrough:
        name, sep, value = item.partition("=")
        if not name.isidentifier():
            raise ToolError(
                f"Environment entry {item!r} is not NAME or NAME=value.",
                hint="Pass names like HF_TOKEN or pairs like SEED=1.",
            )
        if sep:
            env[name] = value
        elif name in parent:
            env[name] = parent[name]
        else:
            raise ToolError(
                f"Environment variable {name!r} was asked for but is not set.",
                hint=f"Set {name} in the server's environment, or pass {name}=value.",
            )
    env.update(extra or {})
    return env
