"""Shared fixtures. Tests that need ../shared (real papers, ground truth, the
scorer) use ``shared_dir`` and are skipped where it is absent (a user's clone)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MLINTERN_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "papers").is_dir():
        pytest.skip(f"{SHARED} is absent (real papers and ground truth live there in CI)")
    return SHARED


@pytest.fixture
def workspace(tmp_path):
    from mlintern.tools.workspace import Workspace

    return Workspace(tmp_path)
