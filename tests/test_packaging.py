"""The wheel installs one import package, ``mlintern``, with every module, data file and entry point."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# The repository folders that map into the package (pyproject [tool.setuptools] package-dir).
MAPPED = {"server": "mlintern/server", "tools": "mlintern/tools", "sandbox": "mlintern/sandbox"}
SKIP = shutil.ignore_patterns(
    ".git",
    "node_modules",
    "__pycache__",
    "*.pyc",
    "build",
    "dist",
    "*.egg-info",
    ".mlintern",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "out",
    "tmp",
)


@pytest.fixture(scope="module")
def wheel(repo_dir, tmp_path_factory) -> Path:
    """Build from a copy of the source tree, so the checkout gets no build/ or egg-info churn."""
    src = tmp_path_factory.mktemp("src") / "mlintern"
    shutil.copytree(repo_dir, src, ignore=SKIP)
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = out.glob("mlintern-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_only_mlintern_at_the_top_level(names):
    top = {n.split("/")[0] for n in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert len(dist_info) == 1
    assert top - dist_info == {"mlintern"}, (
        "no generic top-level module (tools, server) may reach site-packages"
    )


def test_every_source_module_and_data_file_is_in_the_wheel(repo_dir, names):
    shipped = set(names)
    missing = []
    for folder, target in MAPPED.items():
        for path in (repo_dir / folder).rglob("*"):
            rel_parts = path.relative_to(repo_dir / folder).parts
            if (
                not path.is_file()
                or path.suffix == ".pyc"
                or any(p == "__pycache__" or p.startswith(".") for p in rel_parts)
            ):  # caches, not sources
                continue
            rel = path.relative_to(repo_dir / folder).as_posix()
            if f"{target}/{rel}" not in shipped:
                missing.append(f"{folder}/{rel}")
    assert not missing, f"not in the wheel (add the package or package-data in pyproject.toml): {missing}"


def test_entry_points_resolve_from_the_wheel(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(tmp_path)
        (ep_name,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read(tmp_path / ep_name)
    scripts = dict(parser["console_scripts"])
    assert set(scripts) == {"mlintern", "mlintern-server"}
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    for name, target in scripts.items():
        module, _, attr = target.partition(":")
        code = (
            f"import sys, {module} as m; assert m.__file__.startswith({str(tmp_path)!r}), m.__file__; "
            f"sys.argv = [{name!r}, '--help']; sys.exit(m.{attr}())"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "usage:" in (proc.stdout + proc.stderr)
