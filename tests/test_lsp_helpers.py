"""Shared helpers for the LSP tests: start the real server (``mlintern-server --lsp --stdio``)
as a subprocess and speak JSON-RPC to it through pytest-lsp's client. No tests here."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

DATA = Path(__file__).parent / "test_data" / "lsp"
SERVER_COMMAND = [sys.executable, "-m", "mlintern.server", "--lsp", "--stdio"]
SERVER_ENV = {k: v for k, v in os.environ.items() if k != "MLINTERN_WORKSPACE"}
CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, server_env=SERVER_ENV)


def capabilities() -> types.ClientCapabilities:
    """A client like VS Code: progress, showDocument and workspace edits supported."""
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(
            work_done_progress=True, show_document=types.ShowDocumentClientCapabilities(support=True)
        ),
        workspace=types.WorkspaceClientCapabilities(apply_edit=True),
    )


async def start(client: LanguageClient, root: Path, options: dict | None = None) -> types.InitializeResult:
    """Initialize a session rooted at ``root``; record ``workspace/applyEdit`` requests on the client."""
    client.applied_edits = []  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )


def copy_project(root: Path, name: str = "project") -> Path:
    """The fixture scaffolded project (config.json with cited facts, model.py, train.py) in ``root``."""
    return Path(shutil.copytree(DATA / "project", root / name))


async def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05) -> None:
    """Wait for a condition that the server makes true by a notification."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


def open_doc(client: LanguageClient, path: Path, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=path.read_text()
            )
        )
    )
    return uri


fixture = pytest_lsp.fixture
