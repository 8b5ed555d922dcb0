"""The user's source, read with ``ast``: find files, nodes, constants, and build edits.

Frames in a log name files as they were on the machine that ran them (a
sandbox copy, a cluster node); ``Sources.resolve`` maps them onto the
workspace by their trailing path components. Edits are built as character
replacements and turned into whole-line ``{path, start_line, end_line,
new_text}`` ranges (1-based, inclusive), the shape editors and ``--apply`` use.
"""

from __future__ import annotations

import ast
import operator
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".mlintern",
    "__pycache__",
    "node_modules",
    ".venv",
    "venv",
    "env",
    "site-packages",
    ".tox",
}
MAX_FILES = 400
MAX_FILE_BYTES = 1_000_000


class SourceFile:
    """One Python file of the user's, parsed lazily."""

    def __init__(self, path: Path, rel: str) -> None:
        self.path = path
        self.rel = rel
        self.text = path.read_text(encoding="utf-8", errors="replace")
        self.lines = self.text.splitlines(keepends=True)

    @cached_property
    def tree(self) -> ast.Module | None:
        try:
            tree = ast.parse(self.text)
        except (SyntaxError, ValueError):
            return None
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child.parent = node  # type: ignore[attr-defined]
        return tree

    def line(self, n: int) -> str:
        return self.lines[n - 1].rstrip("\r\n") if 1 <= n <= len(self.lines) else ""

    def indent(self, n: int) -> str:
        text = self.line(n)
        return text[: len(text) - len(text.lstrip())]

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ""

    def walk(self):
        return ast.walk(self.tree) if self.tree is not None else iter(())

    def statement_at(self, line: int) -> ast.stmt | None:
        """The innermost statement that covers ``line``."""
        covering = [
            n
            for n in self.walk()
            if isinstance(n, ast.stmt) and n.lineno <= line <= (n.end_lineno or n.lineno)
        ]
        return max(covering, key=lambda n: (n.lineno, -(n.end_lineno or n.lineno)), default=None)

    def nodes_on(self, line: int, kind: type | tuple = ast.AST) -> list:
        stmt = self.statement_at(line)
        if stmt is None:
            return []
        return [n for n in ast.walk(stmt) if isinstance(n, kind)]

    def enclosing(self, node: ast.AST, kind: type | tuple) -> ast.AST | None:
        cur = getattr(node, "parent", None)
        while cur is not None and not isinstance(cur, kind):
            cur = getattr(cur, "parent", None)
        return cur

    def function_at(self, line: int) -> ast.FunctionDef | None:
        best = None
        for node in self.walk():
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.lineno <= line <= node.end_lineno
            ):
                if best is None or node.lineno > best.lineno:
                    best = node
        return best

    def offset(self, line: int, col: int) -> int:
        """Character offset of an ast (line, utf-8 byte column) position."""
        before = sum(len(t) for t in self.lines[: line - 1])
        return before + len(self.lines[line - 1].encode("utf-8")[:col].decode("utf-8", errors="replace"))


class Sources:
    """The workspace's Python files, resolved from frame paths and indexed for searches."""

    def __init__(self, root: Path, project: Path | None = None, mode: str | None = None) -> None:
        self.root = root.resolve()
        self.project = (project or root).resolve()
        self.mode = mode  # "pilot" or "full" when the log is a run's: which config.json values it used
        self._cache: dict[Path, SourceFile | None] = {}
        self._extra_dirs: list[Path] = []

    def _load(self, path: Path) -> SourceFile | None:
        path = path.resolve()
        if path not in self._cache:
            ok = path.is_file() and path.is_relative_to(self.root) and path.stat().st_size < MAX_FILE_BYTES
            self._cache[path] = SourceFile(path, str(path.relative_to(self.root))) if ok else None
        return self._cache[path]

    def resolve(self, file: str) -> SourceFile | None:
        """Map a frame's file name onto a file in the workspace (longest matching suffix wins)."""
        p = Path(file)
        if p.is_absolute() and p.is_file():
            found = self._load(p)
            if found:
                return found
        parts = [x for x in p.parts if x not in ("/", "\\")]
        for base in (self.project, self.root):
            for k in range(len(parts), 0, -1):
                cand = base.joinpath(*parts[-k:])
                if cand.is_file():
                    found = self._load(cand)
                    if found:
                        return found
        for sf in self.project_files():
            if sf.path.name == p.name:
                return sf
        return None

    def add_dir(self, directory: Path) -> None:
        if directory not in self._extra_dirs:
            self._extra_dirs.append(directory)
            self.__dict__.pop("_files", None)

    def project_files(self) -> list[SourceFile]:
        """Python files to search for definitions: the project folder and the folders of user frames."""
        if "_files" not in self.__dict__:
            seen: list[SourceFile] = []
            for top in [*self._extra_dirs, self.project]:
                for dirpath, dirnames, filenames in os.walk(top):
                    dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
                    for name in sorted(filenames):
                        if name.endswith(".py") and len(seen) < MAX_FILES:
                            sf = self._load(Path(dirpath) / name)
                            if sf and sf not in seen:
                                seen.append(sf)
            self.__dict__["_files"] = seen
        return self.__dict__["_files"]

    def calls(self, *names: str) -> list[tuple[SourceFile, ast.Call]]:
        """Every call whose function is spelled ``name`` or ``x.name`` (``nn.Linear``, ``Linear``)."""
        out = []
        for sf in self.project_files():
            for node in sf.walk():
                if isinstance(node, ast.Call) and call_name(node) in names:
                    out.append((sf, node))
        return out


def call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def call_arg(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    return node.args[index] if len(node.args) > index else None


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}


def const_value(sf: SourceFile, node: ast.AST | None, sources: Sources | None = None, depth: int = 0):
    """Evaluate small integer expressions: literals, arithmetic, module constants, parameter defaults."""
    if node is None or depth > 6:
        return None
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = const_value(sf, node.operand, sources, depth + 1)
        return -v if v is not None else None
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a = const_value(sf, node.left, sources, depth + 1)
        b = const_value(sf, node.right, sources, depth + 1)
        return _BINOPS[type(node.op)](a, b) if a is not None and b is not None else None
    if isinstance(node, ast.Attribute) and sources is not None:
        field = config_field(sources, node.attr)
        return const_value(field[0], field[1].value, sources, depth + 1) if field else None
    if isinstance(node, ast.Name):
        fn = sf.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if fn is not None:
            args = fn.args.args[-len(fn.args.defaults) :] if fn.args.defaults else []
            for arg, default in zip(args, fn.args.defaults, strict=False):
                if arg.arg == node.id:
                    return const_value(sf, default, sources, depth + 1)
            for kwarg, default in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=False):
                if kwarg.arg == node.id and default is not None:
                    return const_value(sf, default, sources, depth + 1)
        files = [sf] + ([f for f in sources.project_files() if f is not sf] if sources else [])
        for f in files:
            for stmt in f.tree.body if f.tree else []:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets
                ):
                    return const_value(f, stmt.value, sources, depth + 1)
                if (  # FEATS, HIDDEN = 6, 24
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Tuple)
                    and isinstance(stmt.value, ast.Tuple)
                    and len(stmt.targets[0].elts) == len(stmt.value.elts)
                ):
                    for t, v in zip(stmt.targets[0].elts, stmt.value.elts, strict=True):
                        if isinstance(t, ast.Name) and t.id == node.id:
                            return const_value(f, v, sources, depth + 1)
    return None


def config_field(sources: Sources, name: str) -> tuple[SourceFile, ast.AnnAssign | ast.Assign] | None:
    """The one class-level default named ``name`` (a dataclass config field such as ``vocab_size: int = 256``)."""
    found = []
    for f in sources.project_files():
        for cls in (n for n in f.walk() if isinstance(n, ast.ClassDef)):
            for stmt in cls.body:
                target = (
                    stmt.target
                    if isinstance(stmt, ast.AnnAssign)
                    else (
                        stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                    )
                )
                if isinstance(target, ast.Name) and target.id == name and stmt.value is not None:
                    found.append((f, stmt))
    return found[0] if len(found) == 1 else None


@dataclass
class Patch:
    """Character replacements in one file, emitted as whole-line edits."""

    source: SourceFile
    replacements: list[tuple[int, int, str]] = field(default_factory=list)

    def replace_node(self, node: ast.AST, text: str) -> Patch:
        start = self.source.offset(node.lineno, node.col_offset)
        end = self.source.offset(node.end_lineno, node.end_col_offset)
        self.replacements.append((start, end, text))
        return self

    def replace_lines(self, first: int, last: int, text: str) -> Patch:
        start = self.source.offset(first, 0)
        end = self.source.offset(last, 0) + len(self.source.lines[last - 1])
        self.replacements.append((start, end, text))
        return self

    def insert_before(self, line: int, text: str) -> Patch:
        """Insert ``text`` (one or more lines, unindented) above ``line`` at its indentation."""
        indent = self.source.indent(line)
        block = "".join(indent + t + "\n" if t else "\n" for t in text.split("\n"))
        start = self.source.offset(line, 0)
        self.replacements.append((start, start, block))
        return self

    def insert_after(self, line: int, text: str, indent: str | None = None) -> Patch:
        ind = self.source.indent(line) if indent is None else indent
        block = "".join(ind + t + "\n" for t in text.split("\n"))
        start = self.source.offset(line, 0) + len(self.source.lines[line - 1])
        self.replacements.append((start, start, block))
        return self

    def edits(self) -> list[dict]:
        """Merge replacements into non-overlapping whole-line edits."""
        if not self.replacements:
            return []
        text, lines = self.source.text, self.source.lines
        starts = []
        pos = 0
        for ln in lines:
            starts.append(pos)
            pos += len(ln)

        def line_of(offset: int) -> int:
            lo, hi = 0, len(starts) - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if starts[mid] <= offset:
                    lo = mid
                else:
                    hi = mid - 1
            return lo + 1

        spans = []
        for start, end, new in sorted(self.replacements):
            first = line_of(start)
            last = max(first, line_of(end - 1) if end > start else first)
            spans.append([first, last, [(start, end, new)]])
        merged: list[list] = []
        for span in spans:
            if merged and span[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], span[1])
                merged[-1][2].extend(span[2])
            else:
                merged.append(span)
        out = []
        for first, last, reps in merged:
            begin = starts[first - 1]
            end = starts[last - 1] + len(lines[last - 1])
            chunk = text[begin:end]
            for start, stop, new in sorted(reps, reverse=True):
                chunk = chunk[: start - begin] + new + chunk[stop - begin :]
            out.append({"path": self.source.rel, "start_line": first, "end_line": last, "new_text": chunk})
        return out
