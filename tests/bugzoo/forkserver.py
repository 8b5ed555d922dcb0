"""Run zoo scripts in forked children of a process that imported torch once.

Importing torch costs seconds on a busy machine and dominates a tiny case; a
fork of a process that already imported it (and ran no torch op, so no thread
pool exists yet) starts at once. Each script still runs in its own process,
with its own cwd, ``sys.path[0]`` and module table, and its traceback is the
real one printed by Python. Requests are JSON lines on stdin:
``{"cwd": ..., "out": ..., "timeout": s}``; each answer is ``{"rc": n}``.
"""

import json
import os
import runpy
import signal
import sys
import traceback


def _child(request: dict) -> int:
    os.chdir(request["cwd"])
    fd = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.path.insert(0, request["cwd"])
    sys.argv = ["train.py"]
    signal.alarm(int(request["timeout"]))
    try:
        runpy.run_path("train.py", run_name="__main__")
        return 0
    except SystemExit as err:
        return err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    except BaseException:  # noqa: BLE001  (print it exactly as Python would, then fail)
        traceback.print_exc()
        return 1


def main() -> None:
    import torch  # noqa: F401  (the expensive import, done once)

    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"rc": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
