"""The ``.mlintern/`` state every face shares: a SQLite database in WAL mode plus files.

An MCP server, an LSP server, the CLI and the autonomous loop may use the same
workspace at once, from several processes. Each operation opens its own short
connection (WAL + ``busy_timeout``), so writers never corrupt each other and
readers never block. The database is the registry of papers, runs, diagnoses
and an append-only event log; bulky things (PDFs, specs, logs, checkpoints)
are files under ``.mlintern/`` or in the user's project folders.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlintern.tools.errors import ToolError

STATE_DIR = ".mlintern"
SCHEMA_VERSION = 1

# The folder at the workspace root where the user drops PDFs: `--auto --watch` and the LSP server parse them.
DROP_DIR = "papers"

# A scaffolded project's own files (CONTRIBUTING.md, "Scaffolded project"): what run-training, the LSP
# server, diagnose and export look for in a project folder.
PROJECT_META = "mlintern.json"  # marks a folder as an mlintern project; file digests, parameter counts
PROJECT_CONFIG = "config.json"  # every value with its source; hover reads it
TRAIN_SCRIPT = "train.py"
MODEL_FILE = "model.py"

# The layout under .mlintern/ (CONTRIBUTING.md, "Workspace"). Code reaches these files through
# Workspace.paper_dir / spec_path / run_dir / run_out_dir / metrics_path, never by spelling the path.
PAPERS_DIR = "papers"  # papers/<paper_id>/: the cached PDF, spec.json, paper.md
RUNS_DIR = "runs"  # runs/<run_id>/: stdout.log, stderr.log, loss.png, out/ (the train script's --out-dir)
SPEC_FILE = "spec.json"
PAPER_MARKDOWN = "paper.md"
PAPER_PDF = "paper.pdf"
RUN_OUT_DIR = "out"
METRICS_FILE = "metrics.jsonl"
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
LOSS_PLOT = "loss.png"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY,          -- sha256 of the PDF (first 16 hex digits)
    source TEXT NOT NULL,         -- what the user gave: a path, an arXiv id, a URL
    pdf_path TEXT,
    spec_path TEXT,
    title TEXT,
    family TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL,        -- absolute path of the project folder
    command TEXT NOT NULL,        -- JSON list
    launcher TEXT NOT NULL,       -- local | torchrun | slurm
    mode TEXT NOT NULL,           -- pilot | full
    status TEXT NOT NULL,         -- queued running succeeded failed cancelled lost
    pid INTEGER,
    pgid INTEGER,
    started REAL,
    ended REAL,
    exit_code INTEGER,
    reason TEXT,
    run_dir TEXT,                 -- logs, metrics.jsonl, loss.png
    meta TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_project ON runs(project, created);
CREATE TABLE IF NOT EXISTS diagnoses (
    id TEXT PRIMARY KEY,
    run_id TEXT,
    category TEXT NOT NULL,
    data TEXT NOT NULL,           -- the Diagnosis JSON
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated REAL NOT NULL
);
"""

_RUN_COLUMNS = (
    "id project command launcher mode status pid pgid started ended exit_code reason run_dir meta created updated"
).split()


def metrics_file(run_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> Path:
    """A run's ``metrics.jsonl``: in its out dir (``run_dir/out`` unless resumed elsewhere); runs
    recorded before that layout kept it next to their logs."""
    path = Path(out_dir or Path(run_dir) / RUN_OUT_DIR) / METRICS_FILE
    legacy = Path(run_dir) / METRICS_FILE
    return legacy if not path.exists() and legacy.exists() else path


def new_id(prefix: str = "") -> str:
    """Short, sortable-enough, unique id: ``run-20261126-142233-3fa2c1``."""
    return f"{prefix}{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


class Workspace:
    """A folder the user works in, with mlintern's state in ``<root>/.mlintern``.

    ``confined=True`` (MCP and LSP) rejects any path outside the root; the CLI
    opens workspaces unconfined so a user may read a PDF from anywhere, and
    resolves relative paths against ``base`` (the shell's current folder).
    """

    def __init__(
        self, root: str | os.PathLike, *, confined: bool = True, base: str | os.PathLike | None = None
    ) -> None:
        self.root = Path(root).expanduser().resolve()
        self.base = Path(base).resolve() if base is not None else self.root
        if not self.root.is_dir():
            raise ToolError(
                f"Workspace folder {str(self.root)!r} does not exist.", hint="Create it or pass another."
            )
        self.confined = confined
        self.state_dir = self.root / STATE_DIR
        try:
            self.state_dir.mkdir(exist_ok=True)
        except OSError as err:
            raise ToolError(
                f"Cannot create {self.state_dir}: {err.strerror}.", hint="Use a writable workspace folder."
            ) from err
        self.db_path = self.state_dir / "state.db"
        self._init_db()

    # ------------------------------------------------------------------ paths
    def path(self, value: str | os.PathLike, *, must_exist: bool = False, write: bool = False) -> Path:
        """Resolve a user-given path against the root; refuse escapes where confined.

        Writes are always confined to the workspace; reads only when ``confined``.
        """
        raw = str(value)
        if raw.startswith("-"):
            raise ToolError(
                f"Path {raw!r} looks like an option.", hint="Prefix it with ./ if it is really a file."
            )
        p = Path(raw).expanduser()
        resolved = (p if p.is_absolute() else self.base / p).resolve()
        if (self.confined or write) and not resolved.is_relative_to(self.root):
            raise ToolError(
                f"Path {raw!r} is outside the workspace {str(self.root)!r}.",
                hint="Use a path inside the workspace, or open the workspace at a folder that contains it.",
                code="path_outside_workspace",
            )
        if must_exist and not resolved.exists():
            raise ToolError(f"{raw!r} does not exist (looked at {resolved}).", code="not_found")
        return resolved

    def relative(self, p: str | os.PathLike) -> str:
        resolved = Path(p).resolve()
        return str(resolved.relative_to(self.root)) if resolved.is_relative_to(self.root) else str(resolved)

    def subdir(self, *parts: str) -> Path:
        d = self.state_dir.joinpath(*parts)
        d.mkdir(parents=True, exist_ok=True)
        return d

    # ----------------------------------------------------------------- layout
    def paper_dir(self, paper_id: str, *, create: bool = False) -> Path:
        """``.mlintern/papers/<paper_id>/``: the cached PDF, ``spec.json``, ``paper.md``."""
        return self.subdir(PAPERS_DIR, paper_id) if create else self.state_dir / PAPERS_DIR / paper_id

    def spec_path(self, paper: dict) -> Path:
        """A paper row's spec file: where parse-paper recorded it, else its place in the paper's folder."""
        return Path(paper.get("spec_path") or self.paper_dir(paper["id"]) / SPEC_FILE)

    def run_dir(self, run: dict | str, *, create: bool = False) -> Path:
        """A run's folder (logs, loss plot): the row's ``run_dir``, else ``.mlintern/runs/<run_id>/``."""
        if isinstance(run, dict) and run.get("run_dir"):
            return Path(run["run_dir"])
        run_id = run["id"] if isinstance(run, dict) else run
        return self.subdir(RUNS_DIR, run_id) if create else self.state_dir / RUNS_DIR / run_id

    def run_out_dir(self, run: dict) -> Path:
        """The train script's ``--out-dir`` (metrics, checkpoints): a resumed run keeps its first run's."""
        return Path((run.get("meta") or {}).get("out_dir") or self.run_dir(run) / RUN_OUT_DIR)

    def metrics_path(self, run: dict) -> Path:
        """The run's ``metrics.jsonl`` (see ``metrics_file``)."""
        return metrics_file(self.run_dir(run), self.run_out_dir(run))

    # --------------------------------------------------------------- database
    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection; commits on success, rolls back on error."""
        con = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA busy_timeout=30000")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def _init_db(self) -> None:
        con = sqlite3.connect(self.db_path, timeout=30)
        try:
            con.execute("PRAGMA busy_timeout=30000")
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                con.executescript(_SCHEMA)
                con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            con.commit()
        except sqlite3.DatabaseError as err:
            raise ToolError(
                f"The workspace database {self.db_path} is unreadable ({err}).",
                hint=f"Move {self.db_path} aside; mlintern will start a new one (runs and specs on disk are kept).",
                code="corrupt_state",
            ) from err
        finally:
            con.close()

    # ----------------------------------------------------------------- events
    def log_event(self, kind: str, data: dict | None = None) -> int:
        with self.db() as con:
            cur = con.execute(
                "INSERT INTO events (ts, kind, data) VALUES (?, ?, ?)",
                (time.time(), kind, json.dumps(data or {})),
            )
            return int(cur.lastrowid)

    def events(self, kind: str | None = None, since_id: int = 0, limit: int = 1000) -> list[dict]:
        sql = "SELECT * FROM events WHERE id > ?" + (" AND kind = ?" if kind else "") + " ORDER BY id LIMIT ?"
        args: tuple = (since_id, kind, limit) if kind else (since_id, limit)
        with self.db() as con:
            rows = con.execute(sql, args).fetchall()
        return [
            {"id": r["id"], "ts": r["ts"], "kind": r["kind"], "data": json.loads(r["data"])} for r in rows
        ]

    # --------------------------------------------------------------------- kv
    def get_value(self, key: str, default: Any = None) -> Any:
        with self.db() as con:
            row = con.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_value(self, key: str, value: Any) -> None:
        with self.db() as con:
            con.execute(
                "INSERT INTO kv (key, value, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                (key, json.dumps(value), time.time()),
            )

    # ----------------------------------------------------------------- papers
    def record_paper(self, paper_id: str, **fields: Any) -> None:
        now = time.time()
        allowed = {"source", "pdf_path", "spec_path", "title", "family"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown paper fields {sorted(unknown)}")
        with self.db() as con:
            if con.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone():
                if fields:
                    sets = ", ".join(f"{k} = ?" for k in fields)
                    con.execute(
                        f"UPDATE papers SET {sets}, updated = ? WHERE id = ?",
                        (*fields.values(), now, paper_id),
                    )
            else:
                fields.setdefault("source", paper_id)
                cols = ", ".join(fields)
                marks = ", ".join("?" for _ in fields)
                con.execute(
                    f"INSERT INTO papers (id, {cols}, created, updated) VALUES (?, {marks}, ?, ?)",
                    (paper_id, *fields.values(), now, now),
                )

    def papers(self) -> list[dict]:
        with self.db() as con:
            return [dict(r) for r in con.execute("SELECT * FROM papers ORDER BY created").fetchall()]

    def get_paper(self, paper_id: str) -> dict | None:
        with self.db() as con:
            row = con.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return dict(row) if row else None

    # ------------------------------------------------------------------- runs
    @staticmethod
    def _run_row(row: sqlite3.Row) -> dict:
        run = dict(row)
        run["command"] = json.loads(run["command"])
        run["meta"] = json.loads(run["meta"])
        return run

    def create_run(
        self,
        *,
        project: str,
        command: list[str],
        launcher: str,
        mode: str,
        run_dir: str,
        meta: dict | None = None,
        run_id: str | None = None,
    ) -> dict:
        now = time.time()
        run_id = run_id or new_id("run-")
        with self.db() as con:
            con.execute(
                "INSERT INTO runs (id, project, command, launcher, mode, status, run_dir, meta, created, updated) "
                "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                (
                    run_id,
                    project,
                    json.dumps(command),
                    launcher,
                    mode,
                    run_dir,
                    json.dumps(meta or {}),
                    now,
                    now,
                ),
            )
        return self.get_run(run_id)  # type: ignore[return-value]

    def update_run(self, run_id: str, **fields: Any) -> dict:
        unknown = set(fields) - set(_RUN_COLUMNS)
        if unknown or "id" in fields:
            raise ValueError(f"cannot update run fields {sorted(unknown | ({'id'} & set(fields)))}")
        if "command" in fields:
            fields["command"] = json.dumps(fields["command"])
        with self.db() as con:
            if "meta" in fields:  # merge, never clobber what another process wrote
                row = con.execute("SELECT meta FROM runs WHERE id = ?", (run_id,)).fetchone()
                merged = {**(json.loads(row["meta"]) if row else {}), **fields["meta"]}
                fields["meta"] = json.dumps(merged)
            sets = ", ".join(f"{k} = ?" for k in fields)
            con.execute(
                f"UPDATE runs SET {sets}, updated = ? WHERE id = ?", (*fields.values(), time.time(), run_id)
            )
        return self.get_run(run_id)  # type: ignore[return-value]

    def get_run(self, run_id: str) -> dict | None:
        with self.db() as con:
            row = con.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return self._run_row(row) if row else None

    def require_run(self, run_id: str) -> dict:
        run = self.get_run(run_id)
        if run is None:
            raise ToolError(
                f"No run {run_id!r} in this workspace.",
                hint="List runs with `mlintern training-status`.",
                code="not_found",
            )
        return run

    def runs(self, *, project: str | None = None, status: str | None = None, limit: int = 100) -> list[dict]:
        clauses, args = [], []
        if project:
            clauses.append("project = ?")
            args.append(project)
        if status:
            clauses.append("status = ?")
            args.append(status)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        with self.db() as con:
            rows = con.execute(
                f"SELECT * FROM runs {where} ORDER BY created DESC LIMIT ?", (*args, limit)
            ).fetchall()
        return [self._run_row(r) for r in rows]

    # -------------------------------------------------------------- diagnoses
    def add_diagnosis(self, diagnosis: dict, *, run_id: str | None = None) -> str:
        diag_id = new_id("diag-")
        with self.db() as con:
            con.execute(
                "INSERT INTO diagnoses (id, run_id, category, data, created) VALUES (?, ?, ?, ?, ?)",
                (
                    diag_id,
                    run_id,
                    diagnosis.get("category", "unrecognised"),
                    json.dumps(diagnosis),
                    time.time(),
                ),
            )
        return diag_id

    @staticmethod
    def _diagnosis_row(r: sqlite3.Row) -> dict:
        return {"id": r["id"], "run_id": r["run_id"], "created": r["created"], **json.loads(r["data"])}

    def get_diagnosis(self, diagnosis_id: str) -> dict | None:
        with self.db() as con:
            r = con.execute("SELECT * FROM diagnoses WHERE id = ?", (diagnosis_id,)).fetchone()
        return None if r is None else self._diagnosis_row(r)

    def diagnoses(self, *, run_id: str | None = None, limit: int = 50) -> list[dict]:
        sql = (
            "SELECT * FROM diagnoses"
            + (" WHERE run_id = ?" if run_id else "")
            + " ORDER BY created DESC LIMIT ?"
        )
        with self.db() as con:
            rows = con.execute(sql, (run_id, limit) if run_id else (limit,)).fetchall()
        return [self._diagnosis_row(r) for r in rows]
