"""The first process inside the sandbox: set up mounts, run the command, reap, report.

Run as ``python -I -S -c <this file's source> CONFIG_JSON -- CMD...`` so it
needs nothing but the standard library and no file visible in the sandbox.
It forwards SIGTERM/SIGINT to the command (graceful stop), waits for it, then
kills whatever the command left behind in the sandbox (``setsid`` daemons
included: the PID namespace shows them) and writes one JSON line to the
status pipe: the command's exit code or signal and the leftovers it killed.

CONFIG: ``status_fd`` (inherited pipe), ``mounts`` (``unshare`` mode only: the
ordered ``[kind, path]`` plan of ``launch.mount_plan``: tmpfs, ro, rw, seal, mask), ``prefix`` (argv
put before the command, e.g. ``setpriv`` to drop capabilities).
"""

import json
import os
import signal
import subprocess
import sys
import time

MARKER = "mlintern-reaper"


def _run(argv, **kw):
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, **kw)


DEV_NODES = ("null", "zero", "full", "random", "urandom", "tty")


def setup_dev(extra):
    """A minimal /dev, as bubblewrap builds it: a fresh tmpfs holding binds of the harmless nodes (and the
    GPU nodes asked for), the usual links, and an empty /dev/shm. No disk, loop, kvm, console or tty<N>."""
    nodes = [f"/dev/{n}" for n in DEV_NODES] + list(extra)
    fds = {node: os.open(node, os.O_PATH) for node in nodes if os.path.exists(node)}
    _run(["mount", "-t", "tmpfs", "-o", "mode=755,nosuid", "tmpfs", "/dev"])
    for node, fd in fds.items():
        with open(node, "w"):
            pass
        _run(["mount", "--no-canonicalize", "--bind", f"/proc/self/fd/{fd}", node], pass_fds=(fd,))
        os.close(fd)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"/dev/{name}")
    for sub in ("shm", "pts"):
        os.mkdir(f"/dev/{sub}")
    _run(["mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", "/dev/shm"])


def setup_mounts(plan, dev_nodes=None):
    """Build the unshare-mode view from an ordered plan of ``(tmpfs|ro|rw, path)``.

    Sources are opened first, because a tmpfs laid over a parent hides them;
    then every existing mount is made read-only; then the plan is applied in
    order, binding from the open descriptors.
    """
    fds = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for kind, path in plan if kind in ("ro", "rw")}
    if dev_nodes is not None:
        setup_dev(dev_nodes)
    with open("/proc/self/mountinfo") as fh:
        points = [line.split()[4] for line in fh]
    # /proc stays writable (CUDA fails to initialise on a read-only /proc, error 304), except its
    # kernel-tuning parts, made read-only as bubblewrap does.
    for point in [p for p in points if p not in ("/proc", "/dev") and not p.startswith(("/proc/", "/dev/"))]:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", point],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    for path in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"):
        if os.path.exists(path):
            _run(["mount", "--bind", path, path])
            _run(["mount", "-o", "remount,bind,ro", path])
    covered = set()
    for kind, path in plan:
        if kind == "tmpfs":
            if os.path.isdir(path):  # absent when an outer tmpfs already hides it
                _run(["mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", path])
                covered.add(path)
            continue
        if kind == "seal":
            if path in covered:
                _run(["mount", "-o", "remount,ro", path])
            continue
        if kind == "mask":
            _run(["mount", "--bind", "/dev/null", path])
            continue
        fd = fds[path]
        os.makedirs(path, exist_ok=True)
        _run(["mount", "--no-canonicalize", "--rbind", f"/proc/self/fd/{fd}", path], pass_fds=(fd,))
        # a bind copies the source mount's flags, and the source was just made read-only
        _run(["mount", "-o", "remount,bind," + kind, path])
    for fd in fds.values():
        os.close(fd)


def loopback_up():
    """A new network namespace starts with ``lo`` down; torchrun's local rendezvous needs it."""
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        flags = 0x1 | 0x8 | 0x40  # IFF_UP | IFF_LOOPBACK | IFF_RUNNING
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", flags))  # SIOCSIFFLAGS


def become_subreaper():
    """Without a PID namespace, orphans (``setsid`` daemons too) re-parent to us instead of init,
    so we can still find and kill them (Linux PR_SET_CHILD_SUBREAPER; a no-op elsewhere)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # 36 == PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _processes():
    """pid -> (parent pid, command line) for every visible live process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                line = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z":
            table[int(name)] = (int(fields[1]), line)
    return table


def leftovers(me, child, pidns):
    """Processes the command left behind: everything else in our PID namespace (pid 1 is bwrap's
    init or us), or, without one, our descendants (orphans re-parent to us, the subreaper)."""
    table = _processes()
    if pidns:
        return [(pid, line) for pid, (_, line) in table.items() if pid not in (1, me, child)]
    found, todo = [], [me]
    while todo:
        parent = todo.pop()
        for pid, (ppid, line) in table.items():
            if ppid == parent and pid != child:
                found.append((pid, line))
                todo.append(pid)
    return found


def _reap_zombies():
    """Orphans re-parented to us (the subreaper) become our zombies when they die: collect them."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_leftovers(me, child, pidns, rounds=200):
    """Kill what the command left behind, scanning again until a scan finds nothing.

    One scan is not enough: /proc is read one process at a time, so a daemon that forks (double fork,
    setsid) between the scan and the kill leaves a grandchild the scan never saw. A killed process forks
    no more, so repeating converges; the grandchild is re-parented to us and found by the next scan.
    Returns every ``(pid, cmdline)`` killed (the first sighting of each)."""
    killed = {}
    for _ in range(rounds):
        _reap_zombies()
        found = leftovers(me, child, pidns)
        if not found:
            break
        for pid, line in found:
            killed.setdefault(pid, line)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    _reap_zombies()
    return list(killed.items())


def main():
    config = json.loads(sys.argv[1])
    cmd = sys.argv[sys.argv.index("--") + 1 :]
    status = os.fdopen(config["status_fd"], "w")
    if config.get("mounts"):
        try:
            setup_mounts(config["mounts"], config.get("dev_nodes"))
            loopback_up()
        except (OSError, subprocess.CalledProcessError) as err:
            status.write(json.dumps({"returncode": 126, "setup_error": str(err)}) + "\n")
            status.close()
            sys.exit(126)
    home = os.environ.get("HOME") or "/tmp"
    os.makedirs(home, exist_ok=True)
    if config.get("home_owner"):
        os.chown(home, *config["home_owner"])
    os.chdir(config["cwd"])
    if not config.get("pidns"):
        become_subreaper()
    child = subprocess.Popen(config.get("prefix", []) + cmd)

    def forward(signum, _frame):
        try:
            os.kill(child.pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = child.wait()
    left = kill_leftovers(os.getpid(), child.pid, config.get("pidns"))
    report = {
        "returncode": code,
        "signal": -code if code < 0 else None,
        "leftovers": [cmd for _, cmd in left][:20],
    }
    status.write(json.dumps(report) + "\n")
    status.close()
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
