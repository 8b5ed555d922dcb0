"""Following names through the user's code: which layer a call uses, where a value is set.

These helpers let a rule go from the line that raised to the line that must
change: ``self.fc1(x)`` -> the ``nn.Linear(...)`` assigned to ``self.fc1``; a
layer size spelled ``VOCAB_SIZE`` -> the module constant that defines it.
"""

from __future__ import annotations

import ast
import math

from mlintern.tools.diagnose.scope import expression_for, possible_values
from mlintern.tools.diagnose.source import (
    Patch,
    SourceFile,
    Sources,
    call_arg,
    call_name,
    config_field,
    const_value,
)


def self_attrs(node: ast.AST) -> set[str]:
    """Names X in ``self.X`` used anywhere in ``node``."""
    return {
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    }


def assigned_attr(sf: SourceFile, call: ast.Call) -> str | None:
    """For a layer constructor inside ``self.X = ...``, return X."""
    cur = getattr(call, "parent", None)
    while cur is not None and not isinstance(cur, ast.stmt):
        cur = getattr(cur, "parent", None)
    if isinstance(cur, ast.Assign | ast.AnnAssign):
        targets = cur.targets if isinstance(cur, ast.Assign) else [cur.target]
        for t in targets:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                return t.attr
    return None


def used_on_sites(analysis, sf: SourceFile, call: ast.Call) -> bool:
    """Is the layer built by ``call`` referenced on one of the failing lines?"""
    attr = assigned_attr(sf, call)
    if attr is None:
        return False
    for frame, site in analysis.sites:
        stmt = site.statement_at(frame.line)
        if stmt is not None and attr in self_attrs(stmt):
            return True
    return False


def module_constant(sources: Sources, sf: SourceFile, name: str) -> tuple[SourceFile, ast.Assign] | None:
    for f in [sf] + [x for x in sources.project_files() if x is not sf]:
        for stmt in f.tree.body if f.tree else []:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id == name
            ):
                return f, stmt
    return None


def product_form(node: ast.AST | None, value: int) -> str | None:
    """Keep ``16 * 5 * 5`` style: ``C * H * W`` with the new spatial size when it is square."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mult)
        and isinstance(node.left, ast.BinOp)
        and isinstance(node.left.left, ast.Constant)
        and isinstance(node.left.left.value, int)
    ):
        channels = node.left.left.value
        if channels and value % channels == 0:
            side = math.isqrt(value // channels)
            if side * side * channels == value:
                return f"{channels} * {side} * {side}"
    return None


def set_value(sources: Sources, sf: SourceFile, node: ast.AST, value: int, patches: dict) -> str:
    """Make the expression ``node`` evaluate to ``value``; return the text that now states the size.

    In order: an expression in scope that equals ``value`` in this run (right for every configuration), an
    edit of the constant or config default that ``node`` names, and last the literal, which is right for
    this configuration only (``is_literal`` tells callers to say so).
    """
    expression = expression_for(sources, sf, node, value)
    if expression is not None:
        _patch(patches, sf).replace_node(node, expression)
        return expression
    if isinstance(node, ast.Name):
        found = module_constant(sources, sf, node.id)
        if found and const_value(found[0], found[1].value, sources) is not None:
            f, stmt = found
            _patch(patches, f).replace_node(stmt.value, str(value))
            return f"{node.id} = {value}"
    if isinstance(node, ast.Attribute):
        field = config_field(sources, node.attr)
        if field and const_value(field[0], field[1].value, sources) is not None:
            _patch(patches, field[0]).replace_node(field[1].value, str(value))
            return f"{sf.segment(node)} = {value}"
    hidden = _bidirectional_hidden(sf, node)
    if (
        value % 2 == 0
        and sf.segment(node) in hidden
        and value // 2 in (possible_values(sources, sf, node) or {value // 2})
    ):
        text = f"2 * {wrap(sf.segment(node))}"  # a bidirectional RNN concatenates both directions
        _patch(patches, sf).replace_node(node, text)
        return text
    text = product_form(node, value) or str(value)
    _patch(patches, sf).replace_node(node, text)
    return text


def _bidirectional_hidden(sf: SourceFile, node: ast.AST) -> set[str]:
    """How the hidden sizes of RNNs built with ``bidirectional=True`` near ``node`` (same class/function) are spelled."""
    scope = sf.enclosing(node, (ast.ClassDef,)) or sf.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    out = set()
    for c in ast.walk(scope) if scope is not None else ():
        if isinstance(c, ast.Call) and any(
            k.arg == "bidirectional" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in c.keywords
        ):
            size = call_arg(c, 1, "hidden_size")
            if size is not None:
                out.add(sf.segment(size))
    return out


def is_literal(text: str) -> bool:
    """Is a size written by ``set_value`` a bare number (``8``, ``16 * 5 * 5``), right for this configuration only?"""
    return all(part.strip().isdigit() for part in text.split("*"))


def size_title(text: str, value: int) -> str:
    """How a fix title states a new size: the expression, or the number marked as this configuration's."""
    if is_literal(text):
        return f"{text} (the value for this configuration only)"
    if "=" in text:  # the constant or config default the layer already names was edited
        return f"{value} (where it is defined: `{text}`)"
    return f"`{text}` (= {value} in this run)"


def _patch(patches: dict, sf: SourceFile) -> Patch:
    if sf.rel not in patches:
        patches[sf.rel] = Patch(sf)
    return patches[sf.rel]


def nn_prefix(sf: SourceFile) -> str:
    """How this file spells torch.nn: ``nn`` when imported so, else ``torch.nn``."""
    for node in sf.walk():
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "torch.nn" and alias.asname == "nn":
                    return "nn"
        if isinstance(node, ast.ImportFrom) and node.module == "torch":
            if any(a.name == "nn" and a.asname in (None, "nn") for a in node.names):
                return "nn"
    return "torch.nn"


def receiver(sf: SourceFile, call: ast.Call) -> str:
    """``x`` in ``x.view(...)``."""
    return sf.segment(call.func.value) if isinstance(call.func, ast.Attribute) else ""


def wrap(text: str) -> str:
    """Parenthesise an expression unless it is a plain name, attribute or call."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text})"
    return text if isinstance(node, ast.Name | ast.Attribute | ast.Call | ast.Subscript) else f"({text})"


def site_calls(analysis, pred) -> list[tuple[SourceFile, ast.Call, int]]:
    """Calls on the failing lines (innermost first) that satisfy ``pred(sf, call)``."""
    out = []
    for frame, sf in analysis.sites:
        for call in sf.nodes_on(frame.line, ast.Call):
            if pred(sf, call):
                out.append((sf, call, frame.line))
    return out


def batch_sizes(sources: Sources) -> list[int]:
    """Batch sizes the project sets (DataLoader(batch_size=...), batch_size = N)."""
    found = []
    for sf, call in sources.calls("DataLoader"):
        v = const_value(sf, call_arg(call, 1, "batch_size"), sources)
        if isinstance(v, int):
            found.append(v)
    for sf in sources.project_files():
        for node in sf.walk():
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.lower() == "batch_size" for t in node.targets
            ):
                v = const_value(sf, node.value, sources)
                if isinstance(v, int):
                    found.append(v)
    return found


def loss_call_on_sites(analysis) -> tuple[SourceFile, ast.Call] | None:
    """The innermost user call with (input, target) arguments: ``criterion(out, y)``, ``F.cross_entropy(...)``."""
    for frame, sf in analysis.sites:
        calls = [
            c
            for c in sf.nodes_on(frame.line, ast.Call)
            if len(c.args) >= 2 and call_name(c) not in ("backward", "view", "reshape", "to")
        ]
        if calls:
            return sf, min(calls, key=lambda c: (c.lineno, c.col_offset))  # the outermost call
    return None
