"""Device check: run the GPU project through the real run-training path (sandbox on and off).

Run from the repository root on a GPU machine. Prints the sandbox mode, the run states and the
throughput of both runs. Needs mlintern importable (installed, or an `mlintern` symlink farm on PYTHONPATH).
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

from mlintern.sandbox.detect import mode_works
from mlintern.tools.registry import ToolContext
from mlintern.tools.training.runs import run_training
from mlintern.tools.workspace import Workspace

HERE = Path(__file__).resolve().parent
print({m: mode_works(m) for m in ("bwrap", "unshare")}, flush=True)
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "ws"
    root.mkdir()
    shutil.copytree(HERE / "gpu", root / "gpu")
    ws = Workspace(root)
    speeds = {}
    for sandbox in (True, False, True, False):
        # the tool function itself: the GPU box may lack jsonschema, which only the registry's validation needs
        run = run_training(ToolContext(ws), project="gpu", max_steps=300, wait=True, sandbox=sandbox)
        print(run["summary"], *run["log_tail"], sep="\n", flush=True)
        if run["state"] != "succeeded":
            print((Path(run["run_dir"]) / "supervisor.log").read_text()[-3000:])
            continue
        rows = [json.loads(x) for x in (Path(run["out_dir"]) / "metrics.jsonl").read_text().splitlines()][-250:]
        speed = (rows[-1]["step"] - rows[0]["step"]) / (rows[-1]["time"] - rows[0]["time"])
        speeds.setdefault(sandbox, []).append(speed)
        print(run["sandbox_mode"], run["state"], run["reason"], f"{speed:.1f} steps/s", run["log_tail"][:2],
              flush=True)
        shutil.rmtree(run["out_dir"])
    if len(speeds) == 2:
        print("throughput ratio inside/outside:", max(speeds[True]) / max(speeds[False]))
    sys.exit(0)
