"""Enter a new user namespace whose root maps to one unprivileged host uid, then exec the rest of the argv.

Run as ``python -I -S -c <this file's source> CONFIG_JSON -- CMD...`` (stdlib only). CONFIG: ``uid`` and
``gid``, the host ids the namespace's root maps to. A helper forked *before* the unshare stays in the
parent namespace and writes the maps (a process cannot map a uid other than its own from inside); then
the command (``unshare --mount --pid ...`` and the reaper) runs as root of a namespace that owns nothing
on the host: host files it did not get write access to by ownership or mode are out of reach, and its
capabilities count only inside its own namespaces.
"""

import ctypes
import json
import os
import sys

CLONE_NEWUSER = 0x10000000


def main():
    config = json.loads(sys.argv[1])
    cmd = sys.argv[sys.argv.index("--") + 1 :]
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        os.close(go_w)
        os.close(done_r)
        ok = b"n"
        try:
            if os.read(go_r, 1) == b"g":
                target = os.getppid()
                for name, text in (
                    ("setgroups", "deny"),
                    ("uid_map", f"0 {config['uid']} 1\n"),
                    ("gid_map", f"0 {config['gid']} 1\n"),
                ):
                    with open(f"/proc/{target}/{name}", "w") as fh:
                        fh.write(text)
                ok = b"k"
        except OSError as err:
            sys.stderr.write(f"[mlintern] cannot map the sandbox user: {err}\n")
        os.write(done_w, ok)
        os._exit(0)
    os.close(go_r)
    os.close(done_w)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        os.write(go_w, b"x")
        sys.stderr.write(f"[mlintern] cannot create a user namespace: {os.strerror(ctypes.get_errno())}\n")
        sys.exit(126)
    os.write(go_w, b"g")
    ok = os.read(done_r, 1)
    os.waitpid(helper, 0)
    if ok != b"k":
        sys.exit(126)
    os.setgid(0)
    os.setuid(0)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
