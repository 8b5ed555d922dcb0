"""Turn a command and a :class:`Policy` into what to spawn: argv, environment, rlimits.

The caller (the run supervisor) spawns ``Launch.argv`` with ``Launch.env``,
``preexec_fn=Launch.apply_limits`` and ``start_new_session=True``, passing the
status pipe's write end as ``status_fd``. Killing ``argv``'s process kills
everything: in ``bwrap`` mode ``--die-with-parent`` takes the PID namespace
down with it; in ``unshare`` mode ``--kill-child`` does the same; in
``rlimits`` mode only the process group and visible descendants can be found.
"""

from __future__ import annotations

import ctypes
import glob
import json
import os
import pwd
import resource
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mlintern.sandbox.detect import available_mode
from mlintern.sandbox.env import scrubbed_env
from mlintern.sandbox.policy import Policy
from mlintern.tools.errors import ToolError

REAPER_SOURCE = (Path(__file__).with_name("reaper.py")).read_text()
USERNS_SOURCE = (Path(__file__).with_name("userns.py")).read_text()
# unshare mode, started by root: the sandbox's root maps to this host uid/gid, which owns nothing on the host
# but the folders the run may write (chowned to it at launch). A non-root user's sandbox maps to that user.
SANDBOX_UID = int(os.environ.get("MLINTERN_SANDBOX_UID") or 818181)
SANDBOX_HOME = "/tmp/home"
PRIVATE_TMP = (Path("/tmp"), Path("/var/tmp"))
# Folders hidden whenever they exist (other users' homes, container and Kubernetes secrets) and files
# replaced by /dev/null (password hashes, sudo rules): readable by root even without capabilities.
# /run and /var/run hold the host's unix sockets (D-Bus, docker.sock, systemd): a network namespace does
# not cover filesystem sockets, so they are hidden like the host's /tmp.
SECRET_DIRS = ("/home", "/run", "/var/run", "/run/secrets", "/var/run/secrets", "/var/lib/docker")
SECRET_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers")

WARNINGS = {
    "rlimits": "WARNING: no namespaces available here (no bubblewrap, no unshare): the training code can "
    "read your files, use the network and signal your other processes. Only resource limits, a "
    "scrubbed environment and killing its whole process tree apply. Install bubblewrap for a real "
    "sandbox.",
    "none": "WARNING: sandbox disabled (sandbox=false): the training code runs with your full file-system and "
    "network access. Resource limits, the scrubbed environment and process-group kill still apply.",
}


@dataclass
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: str
    mode: str
    rlimits: list[tuple[int, int]] = field(default_factory=list)
    pidns: bool = False  # killing argv's process kills every process of the command
    warning: str | None = None

    def apply_limits(self) -> None:
        """``preexec_fn``: die with the supervisor, then set the rlimits, in the child before exec."""
        _die_with_parent()
        for res, value in self.rlimits:
            resource.setrlimit(res, (value, value))


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: if the supervisor is killed, the sandbox gets SIGKILL (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 == PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _home_dirs() -> list[Path]:
    homes = {Path(os.path.expanduser("~")), Path(pwd.getpwuid(os.getuid()).pw_dir)}
    return sorted(h.resolve() for h in homes if h.is_dir() and h.resolve() != Path("/"))


def _interpreter_paths() -> list[Path]:
    """Folders the interpreter needs to import torch and mlintern: prefixes and site-packages.

    Not every ``sys.path`` entry: the script folder or ``/tmp`` must stay hidden.
    """
    found = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p}
    found.add(Path(sys.executable).parent)
    found.update(Path(p) for p in sys.path if "-packages" in p)
    found.add(Path(__file__).resolve().parent.parent)  # this checkout when installed editable
    return [p.resolve() for p in found if p.exists()]


def _minimal(paths: list[Path]) -> list[Path]:
    """Drop paths that lie inside another one of the list."""
    paths = sorted(set(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in paths:
        if not any(p.is_relative_to(k) for k in kept):
            kept.append(p)
    return kept


def _count_own_processes(uid: int) -> int:
    return sum(1 for e in os.scandir("/proc") if e.name.isdigit() and _owner(e.path) == uid)


def _owner(path: str) -> int:
    try:
        return os.stat(path).st_uid
    except OSError:
        return -1


def _rlimits(policy: Policy, gpu_devices: list[str], uid: int) -> list[tuple[int, int]]:
    lim = policy.limits
    out: list[tuple[int, int]] = []
    if lim.memory_bytes and not gpu_devices:
        out.append((resource.RLIMIT_AS, lim.memory_bytes))
    if lim.cpu_seconds:
        out.append((resource.RLIMIT_CPU, lim.cpu_seconds))
    if lim.file_bytes:
        out.append((resource.RLIMIT_FSIZE, lim.file_bytes))
    if lim.max_procs and uid != 0:  # root ignores RLIMIT_NPROC; the supervisor counts instead
        out.append((resource.RLIMIT_NPROC, lim.max_procs + _count_own_processes(uid)))
    return out


def mount_plan(
    hidden: list[Path], readable: list[Path], writable: list[Path], masked: list[Path] = ()
) -> list[tuple[str, str]]:
    """Ordered ``(kind, path)`` mounts: parents before children, and at one depth tmpfs, then ro, then rw.

    So a project inside a hidden workspace reappears writable, and the workspace's
    state folder inside that project disappears again.
    """
    rank = {"tmpfs": 0, "ro": 1, "rw": 2}
    ops = [("tmpfs", p) for p in hidden] + [("ro", p) for p in readable] + [("rw", p) for p in writable]
    ops.sort(key=lambda op: (len(op[1].parts), rank[op[0]]))
    # Hidden folders other than the private tmp become read-only once the binds inside exist:
    # writes there would vanish silently; better they fail loudly.
    seals = [("seal", p) for p in hidden if p not in PRIVATE_TMP]
    masks = [("mask", p) for p in masked]
    return [(kind, str(path)) for kind, path in ops + seals + masks]


def _bwrap_argv(policy: Policy, plan: list[tuple[str, str]], gpu: list[str]) -> list[str]:
    argv = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        "--new-session",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/dev/shm",
    ]
    if policy.network:
        argv.append("--share-net")
    flag = {
        "tmpfs": ["--tmpfs"],
        "ro": ["--ro-bind"],
        "rw": ["--bind"],
        "seal": ["--remount-ro"],
        "mask": ["--ro-bind", "/dev/null"],
    }
    for kind, path in plan:
        argv += flag[kind] + ([path] if kind in ("tmpfs", "seal", "mask") else [path, path])
    for dev in gpu:
        argv += ["--dev-bind", dev, dev]
    return argv + ["--chdir", str(policy.workdir)]


def sandbox_ids() -> tuple[int, int]:
    """The host uid/gid unshare mode's namespace root maps to: never root."""
    if os.geteuid() == 0:
        return SANDBOX_UID, SANDBOX_UID
    return os.geteuid(), os.getegid()


def userns_prefix() -> list[str]:
    """A non-root user enters a user namespace (its root maps to that user) to build the mounts; root
    needs none: it builds them with its own rights, then the command drops to SANDBOX_UID (setpriv)."""
    if os.geteuid() == 0:
        return []
    uid, gid = sandbox_ids()
    return [sys.executable, "-I", "-S", "-c", USERNS_SOURCE, json.dumps({"uid": uid, "gid": gid}), "--"]


def _unshare_argv(policy: Policy) -> list[str]:
    argv = [
        *userns_prefix(),
        shutil.which("unshare") or "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount",
        "--mount-proc",
        "--propagation",
        "private",
        "--ipc",
        "--uts",
    ]
    if not policy.network:
        argv.append("--net")
    return argv


def hand_over(folders: list[Path], uid: int, gid: int) -> None:
    """Give the writable folders to the sandbox user (unshare mode started by root): every entry, links
    themselves (never their targets), without descending into linked folders."""
    for top in folders:
        if not top.is_dir() or top.is_symlink():
            continue
        os.chown(top, uid, gid, follow_symlinks=False)
        for base, dirs, names in os.walk(top, followlinks=False):
            for name in dirs + names:
                try:
                    os.chown(os.path.join(base, name), uid, gid, follow_symlinks=False)
                except OSError:
                    pass


def refuse_root_without_namespaces(mode: str) -> None:
    """rlimits mode shares the host's users: as root, the training code would be root on the host."""
    if mode == "rlimits" and os.geteuid() == 0:
        raise ToolError(
            "Refusing to run training code as root without a sandbox: no namespace sandbox works "
            "here (no bubblewrap, no user namespaces), so it would run as root on this machine.",
            hint="Install bubblewrap (apt-get install bubblewrap), run mlintern as a normal user, or "
            "opt out explicitly with sandbox=false (--no-sandbox) if you trust this code.",
            code="sandbox_unavailable",
        )


def prepare(
    cmd: list[str],
    policy: Policy,
    *,
    status_fd: int,
    sandbox: bool = True,
    mode: str | None = None,
    parent_env: dict[str, str] | None = None,
) -> Launch:
    """Build the launch of ``cmd`` under ``policy`` in the strongest working mode."""
    mode = (mode or available_mode()) if sandbox else "none"
    refuse_root_without_namespaces(mode)
    gpu = sorted(glob.glob("/dev/nvidia*")) if policy.gpu else []
    homes = _home_dirs()
    secret_dirs = [Path(d).resolve() for d in SECRET_DIRS if Path(d).is_dir()]
    hidden = sorted({*homes, *PRIVATE_TMP, *secret_dirs, *(Path(p).resolve() for p in policy.hidden)})
    masked = [Path(f) for f in SECRET_FILES if Path(f).is_file()]
    readable = _minimal(
        [p for p in _interpreter_paths() if any(p.is_relative_to(h) for h in hidden) and p not in hidden]
    )
    writable = [Path(p).resolve() for p in policy.writable]
    plan = mount_plan(hidden, readable, writable, masked)
    env = scrubbed_env(
        parent_env,
        passthrough=policy.env_pass,
        extra=policy.env_set,
        home=SANDBOX_HOME if mode in ("bwrap", "unshare") else str(policy.workdir),
    )
    config: dict = {"status_fd": status_fd, "pidns": mode in ("bwrap", "unshare"), "cwd": str(policy.workdir)}
    prefix: list[str] = []
    if mode == "bwrap":
        prefix = _bwrap_argv(policy, plan, gpu)
    elif mode == "unshare":
        prefix = _unshare_argv(policy)
        config["mounts"] = plan
        config["dev_nodes"] = gpu
        config["prefix"] = [
            shutil.which("setpriv") or "setpriv",
            "--bounding-set=-all",
            "--inh-caps=-all",
            "--ambient-caps=-all",
            "--no-new-privs",
            "--",
        ]
        uid, gid = sandbox_ids()
        if uid != os.geteuid():  # started by root: the command runs as the unprivileged sandbox user
            config["prefix"][1:1] = [f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
            config["home_owner"] = [uid, gid]
            hand_over(writable, uid, gid)
    argv = [*prefix, sys.executable, "-I", "-S", "-c", REAPER_SOURCE, json.dumps(config), "--", *cmd]
    return Launch(
        argv=argv,
        env=env,
        cwd=str(policy.workdir),
        mode=mode,
        rlimits=_rlimits(policy, gpu, sandbox_ids()[0] if mode == "unshare" else os.getuid()),
        pidns=config["pidns"],
        warning=WARNINGS.get(mode),
    )
