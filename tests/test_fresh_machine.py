"""Nothing passes because of a tool installed globally on one machine (issue 16).

Every Python tool a test or the product starts comes from this environment (``sys.executable -m
ruff``, ``sys.executable -m mlintern.server``), never by a bare name looked up on ``PATH``: a fresh
machine has ruff, mypy and mlintern only inside ``.venv``, and CI (``.ci/run``) runs with the system's
``PATH`` alone. System tools (bwrap, unshare, sbatch, node) are fine: ``.ci/run`` installs them.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Commands that exist only inside the project's environment (or in someone's global install).
ENV_ONLY = {
    "ruff",
    "mypy",
    "pytest",
    "pip",
    "pip3",
    "python",
    "python3",
    "mlintern",
    "mlintern-server",
    "torchrun",
    "npx",
    "eslint",
    "tsc",
}
LAUNCHERS = {"run", "Popen", "check_output", "check_call", "call", "create_subprocess_exec"}
SOURCES = sorted(
    [
        *REPO.glob("tests/*.py"),
        *REPO.glob("tools/**/*.py"),
        *REPO.glob("server/**/*.py"),
        *REPO.glob("sandbox/**/*.py"),
        *REPO.glob("bench/*.py"),
    ]
)


def _first_word(node: ast.AST, constants: dict[str, ast.AST]) -> str | None:
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        head = node.elts[0]
        if isinstance(head, ast.Starred):  # [*RUFF, "."]
            return _first_word(head.value, constants)
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.strip() else None
    return None


def bare_commands(source: str) -> list[tuple[int, str]]:
    """(line, command) for each process started by a bare environment-only command name."""
    tree = ast.parse(source)
    constants = {
        t.id: n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name in LAUNCHERS:
            word = _first_word(node.args[0], constants)
            if word in ENV_ONLY:
                found.append((node.lineno, word))
    return found


def test_the_check_catches_a_bare_ruff():
    """The case that broke `make test` on a fresh machine (tests/test_scaffold_training.py before)."""
    bad = 'import subprocess\nRUFF = ["ruff", "check"]\nsubprocess.run([*RUFF, "."])\nsubprocess.Popen(["mlintern", "x"])\n'
    assert bare_commands(bad) == [(3, "ruff"), (4, "mlintern")]
    assert bare_commands('import subprocess, sys\nsubprocess.run([sys.executable, "-m", "ruff"])\n') == []
    assert bare_commands('import subprocess\nsubprocess.run(["bwrap", "--die-with-parent"])\n') == []


def test_no_process_is_started_by_a_bare_environment_tool_name():
    found = {
        str(path.relative_to(REPO)): hits
        for path in SOURCES
        if (hits := bare_commands(path.read_text(encoding="utf-8")))
    }
    assert not found, f"started from PATH (use sys.executable -m ..., or the venv's script): {found}"
