"""Run the bug zoo: break, diagnose, fix, re-run, score.

Each case folder holds a small training script with one real bug. The harness
copies it into a scratch workspace, runs it under real torch in a subprocess,
feeds the real stderr to ``diagnose_text``, applies fix 1 (then 2, 3 when a fix
does not make it train; a failed fix is reverted), and re-runs. A case counts
as fixed only when the script exits 0 and its own training check printed
``ZOO-OK`` (loss finite and falling, every parameter gets a gradient).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mlintern.tools.diagnose.apply import apply_edits, revert
from mlintern.tools.diagnose.engine import diagnose_text
from mlintern.tools.workspace import Workspace

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
TIMEOUT_S = 120


REAL_CASES = HERE.parent / "bugzoo_real" / "cases"  # the second zoo: reproduced real reports


def case_dirs(root: Path = CASES) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "train.py").is_file())


_local = threading.local()


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MLINTERN"))}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def _forkserver() -> subprocess.Popen:
    server = getattr(_local, "server", None)
    if server is None or server.poll() is not None:
        server = subprocess.Popen(
            [sys.executable, str(HERE / "forkserver.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_env(),
            text=True,
        )
        _local.server = server
        _servers.append(server)
    return server


_servers: list[subprocess.Popen] = []


def stop_servers() -> None:
    while _servers:
        server = _servers.pop()
        if server.poll() is None:
            server.stdin.close()
            server.wait(timeout=30)


def _run(ws: Path) -> tuple[int, str]:
    """Run ``train.py`` in ``ws``: in a fork of a torch-loaded server, or (ZOO_SUBPROCESS=1) a fresh python."""
    if os.environ.get("ZOO_SUBPROCESS") != "1":
        server = _forkserver()
        out = ws / ".zoo-output.txt"
        server.stdin.write(json.dumps({"cwd": str(ws), "out": str(out), "timeout": TIMEOUT_S}) + "\n")
        server.stdin.flush()
        answer = json.loads(server.stdout.readline())
        return answer["rc"], out.read_text(errors="replace")
    env = _env()
    try:
        proc = subprocess.run(
            [sys.executable, "train.py"], cwd=ws, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired as err:
        return 124, f"timeout after {TIMEOUT_S}s\n{err.stderr or ''}"
    return proc.returncode, proc.stdout + proc.stderr


def run_case(case: Path, scratch: Path, max_fixes: int = 3) -> dict:
    """Break, diagnose, apply fix 1 (then 2, 3 when ``max_fixes`` allows), re-run.

    ``max_fixes=1`` is what ``diagnose-traceback --apply`` without verification did: one edit, kept
    whatever happens; the result then says whether that edit fixed the script, did nothing, or left a
    broken edit behind (``false_fix``: the file changed and the script still fails).
    """
    ws = scratch / case.name
    shutil.copytree(case, ws)
    shutil.copy(HERE / "zoocheck.py", ws / "zoocheck.py")
    workspace = Workspace(ws)
    result = {
        "case": case.name,
        "failed_before": False,
        "category": "",
        "attempts": [],
        "fixed_at": None,
        "outside": 0,
        "diagnose_ms": 0.0,
    }
    rc, log = _run(ws)
    if rc == 0:
        return result
    result["failed_before"] = True
    started = time.perf_counter()
    diagnosis = diagnose_text(log, ws)
    result["diagnose_ms"] = (time.perf_counter() - started) * 1000
    result["category"] = diagnosis["category"]
    result["error"] = log.strip().splitlines()[-1][:160] if log.strip() else ""
    for number, fix in enumerate(diagnosis["fixes"][:max_fixes], start=1):
        for edit in fix["edits"]:
            if not (ws / edit["path"]).resolve().is_relative_to(ws):
                result["outside"] += 1
        originals = apply_edits(workspace, fix["edits"])
        rc2, log2 = _run(ws)
        ok = rc2 == 0 and "ZOO-OK" in log2
        silenced = not ok and "ZOO-CHECK" in log2
        result["attempts"].append(
            {
                "fix": fix["title"],
                "ok": ok,
                "silenced": silenced,
                "after": "" if ok else (log2.strip().splitlines() or [""])[-1][:160],
            }
        )
        if ok:
            result["fixed_at"] = number
            break
        if max_fixes == 1:  # no verification: the edit stays
            result["false_fix"] = True
            break
        revert(originals)
    return result


def run_case_tool(case: Path, scratch: Path) -> dict:
    """What a user gets: ``diagnose-traceback LOG --apply --command "python train.py"`` (the tool re-runs each fix
    in the sandbox and keeps one only when it trains), then the script is run once more, independently."""
    from mlintern.tools import registry
    from mlintern.tools.registry import ToolContext

    ws = scratch / case.name
    shutil.copytree(case, ws)
    shutil.copy(HERE / "zoocheck.py", ws / "zoocheck.py")
    result = {
        "case": case.name,
        "failed_before": False,
        "category": "",
        "attempts": [],
        "fixed_at": None,
        "outside": 0,
        "diagnose_ms": 0.0,
    }
    rc, log = _run(ws)
    if rc == 0:
        return result
    result["failed_before"] = True
    result["error"] = log.strip().splitlines()[-1][:160] if log.strip() else ""
    before = {p: p.read_bytes() for p in ws.glob("*.py")}
    (ws / "failure.log").write_text(log)
    out = registry.call(
        "diagnose-traceback",
        {"log": "failure.log", "apply": True, "command": "python train.py", "timeout_s": TIMEOUT_S},
        ToolContext(Workspace(ws)),
    )
    result["category"] = out["category"]
    changed = any(p.read_bytes() != data for p, data in before.items())
    rc2, log2 = _run(ws)
    ok = rc2 == 0 and "ZOO-OK" in log2
    result["verified"] = out["verified"]
    result["attempts"] = [
        {"fix": a["title"], "ok": a["worked"], "silenced": False, "after": a["note"][:160]}
        for a in out["attempts"]
    ]
    if ok:
        result["fixed_at"] = out["applied"] or 0
    elif changed:
        result["false_fix"] = True  # an edit was left behind and the script still fails its check
    result["summary"] = out["summary"]
    return result


def run_zoo(
    scratch: Path,
    workers: int = 2,
    only: list[str] | None = None,
    report=None,
    root: Path = CASES,
    max_fixes: int = 3,
    tool: bool = False,
) -> list[dict]:
    """Run the cases (``only``: by folder name); ``report(result)`` is called as each case finishes."""
    cases = [c for c in case_dirs(root) if not only or c.name in only]

    def one(case: Path) -> dict:
        result = run_case_tool(case, scratch) if tool else run_case(case, scratch, max_fixes)
        if report:
            report(result)
        return result

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, cases))
    finally:
        stop_servers()


def score(results: list[dict]) -> dict:
    broken = [r for r in results if r["failed_before"]]
    n = len(broken) or 1
    attempts = [a for r in broken for a in r["attempts"]]
    return {
        "cases": len(results),
        "failing_cases": len(broken),
        "top1_rate": sum(r["fixed_at"] == 1 for r in broken) / n,
        "within3_rate": sum(r["fixed_at"] is not None for r in broken) / n,
        # A false fix: applied, the error went away, but the training check failed (silenced or broke learning).
        "false_fix_rate": sum(a["silenced"] for a in attempts) / max(1, len(attempts)),
        "unrecognised": sum(r["category"] == "unrecognised" for r in broken),
        "fixed": sum(r["fixed_at"] is not None for r in broken),
        "edited_still_failing": sum(bool(r.get("false_fix")) for r in broken),
        "edits_outside_workspace": sum(r["outside"] for r in broken),
    }
