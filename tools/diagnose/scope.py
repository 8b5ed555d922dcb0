"""Size expressions in scope: write ``cfg.d_model``, not the number one run happened to need.

A rule learns from one run's shapes that a layer needs N inputs. Writing N
makes that run train but breaks every other configuration of the same model
(the pilot has d_model = 8, the paper's configuration 512). So before writing
a literal, look for an expression that is in scope at the edited argument and
equals N in this run: a ``cfg.<field>`` of the config parameter, a
``self.<attr>`` set in ``__init__``, a parameter with a default, a module
constant, or a product ``c * h * w`` whose channel factor is another layer's
output size. "In this run" means the project's ``config.json`` (scaffold
layout: ``model`` plus the ``pilot`` overrides when the run was a pilot) over
the dataclass defaults.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass
from itertools import product

from mlintern.sandbox import files
from mlintern.tools.diagnose.source import SourceFile, Sources, config_field, const_value
from mlintern.tools.workspace import PROJECT_CONFIG

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}
# Arguments that give a layer's output size: their expressions name sizes that flow into the next layer.
_OUT_ARGS = {
    "out_features",
    "out_channels",
    "embedding_dim",
    "hidden_size",
    "num_features",
    "normalized_shape",
}
# Numbers that are not layer sizes, however equal they happen to be in this run.
_NOT_A_SIZE = re.compile(r"batch|epoch|step|seed|worker|iter|warmup|log|ckpt|save|eval|print|patience", re.I)
_KIND_RANK = {"config": 0, "self": 1, "param": 2, "constant": 3}


@dataclass
class Candidate:
    text: str
    node: ast.AST  # what evaluates it (the parameter default, the attribute, the assignment's value)
    kind: str  # config | self | param | constant
    produced: bool = False  # also spelled as another layer's output size in this function


def run_configs(sources: Sources) -> list[dict]:
    """Config field values this run may have used, most likely first (from ``config.json`` next to the code)."""
    if "_run_configs" not in sources.__dict__:  # read once per diagnosis; rules ask for every layer
        sources.__dict__["_run_configs"] = _read_run_configs(sources)
    return sources.__dict__["_run_configs"]


def _read_run_configs(sources: Sources) -> list[dict]:
    dirs = [sources.project, *sorted({sf.path.parent for sf in sources.project_files()})]
    for d in dirs:
        path = d / PROJECT_CONFIG
        data = files.read_json(path)  # the run may rewrite config.json: no link/FIFO, bounded, any depth
        if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
            continue
        full = {k: v.get("value") if isinstance(v, dict) else v for k, v in data["model"].items()}
        pilot_over = (data.get("pilot") or {}).get("model") if isinstance(data.get("pilot"), dict) else None
        pilot = {**full, **pilot_over} if isinstance(pilot_over, dict) else None
        mode = getattr(sources, "mode", None)
        if mode == "full" or pilot is None:
            return [full]
        return [pilot] if mode == "pilot" else [pilot, full]
    return [{}]


def evaluate(sources: Sources, sf: SourceFile, node: ast.AST | None, values: dict, depth: int = 0):
    """The integer ``node`` has in a run whose config fields are ``values`` (None when unknown)."""
    if node is None or depth > 6:
        return None
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = (evaluate(sources, sf, x, values, depth + 1) for x in (node.left, node.right))
        return _OPS[type(node.op)](a, b) if isinstance(a, int) and isinstance(b, int) else None
    if isinstance(node, ast.Attribute):
        if _is_self(node.value):
            assigned = _self_assignment(sf, node)
            return evaluate(sources, sf, assigned, values, depth + 1) if assigned is not None else None
        if isinstance(values.get(node.attr), int) and not isinstance(values[node.attr], bool):
            return values[node.attr]
        field = config_field(sources, node.attr)
        return evaluate(sources, field[0], field[1].value, values, depth + 1) if field else None
    value = const_value(sf, node, sources)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def possible_values(sources: Sources, sf: SourceFile, node: ast.AST | None) -> set[int]:
    """The values ``node`` may have had in this run (one per candidate configuration; empty when unknown)."""
    return {v for values in run_configs(sources) if (v := evaluate(sources, sf, node, values)) is not None}


def expression_for(sources: Sources, sf: SourceFile, node: ast.AST, value: int) -> str | None:
    """An expression in scope at ``node`` that equals ``value`` in this run, best first; None when none does."""
    if value < 2:  # 0 and 1 are not sizes a configuration varies
        return None
    fn = sf.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    current = sf.segment(node)
    cands = [c for c in candidates(sources, sf, fn, node) if c.text != current]
    for values in run_configs(sources):
        known = [(c, evaluate(sources, sf, c.node, values)) for c in cands]
        known = [(c, v) for c, v in known if isinstance(v, int) and v >= 2]
        exact = [c for c, v in known if v == value]
        if exact:
            return min(exact, key=lambda c: (not c.produced, _KIND_RANK[c.kind])).text
        found = _product(known, value)
        if found:
            return found
    return None


_CLASS_COUNT = re.compile(r"(?:num|n)_?(?:classes|labels)$|^classes$|^labels$", re.I)


def class_count_for(sources: Sources, sf: SourceFile, node: ast.AST, floor: int) -> int | None:
    """The run's value of a class-count name in scope at ``node`` (``cfg.num_classes``) when it is >= ``floor``.

    One label seen out of range says only that the head needs more than ``floor - 1`` outputs; a configured
    class count that covers it is the size the data has.
    """
    fn = sf.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    named = [c for c in candidates(sources, sf, fn, node) if _CLASS_COUNT.search(c.text.rsplit(".", 1)[-1])]
    for values in run_configs(sources):
        counts = [
            v for c in named if isinstance(v := evaluate(sources, sf, c.node, values), int) and v >= floor
        ]
        if counts:
            return min(counts)
    return None


def _product(known: list[tuple[Candidate, int]], value: int) -> str | None:
    """``c * h * w`` (or ``c * s * s``, ``c * n``) for flattened conv features, ``c`` another layer's output size."""
    channels = [(c, v) for c, v in known if c.produced and value % v == 0]
    for (c, cv), (s, sv) in product(channels, known):
        if s is c:
            continue
        if cv * sv * sv == value:
            return f"{c.text} * {s.text} * {s.text}"
        if cv * sv == value:
            return f"{c.text} * {s.text}"
    return None


def candidates(
    sources: Sources, sf: SourceFile, fn: ast.FunctionDef | None, node: ast.AST
) -> list[Candidate]:
    """Names in scope at ``node`` (inside ``fn``, or at module level when None) that may hold a size."""
    body = sf.tree.body if sf.tree else []
    names = [
        t.id for stmt in body if isinstance(stmt, ast.Assign) for t in stmt.targets if isinstance(t, ast.Name)
    ]
    out = [
        Candidate(stmt.targets[0].id, stmt.value, "constant")
        for stmt in body
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and names.count(stmt.targets[0].id) == 1
        and (fn is not None or stmt.lineno < node.lineno)
    ]
    if fn is None:
        return [c for c in out if not _NOT_A_SIZE.search(c.text)]
    params = [a for a in fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]
    defaults = dict(
        zip(
            [a.arg for a in fn.args.args[len(fn.args.args) - len(fn.args.defaults) :]],
            fn.args.defaults,
            strict=False,
        )
    )
    defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=False) if d})
    for p in params:
        if p.arg in defaults:
            out.append(Candidate(p.arg, defaults[p.arg], "param"))
        for field in _config_fields(sources, fn, p):
            attr = ast.Attribute(value=ast.Name(id=p.arg, ctx=ast.Load()), attr=field, ctx=ast.Load())
            out.append(Candidate(f"{p.arg}.{field}", attr, "config"))
    cls = sf.enclosing(fn, (ast.ClassDef,))
    init = (
        next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if cls
        else None
    )
    if init is not None:
        for stmt in ast.walk(init):
            if isinstance(stmt, ast.Assign) and (fn is not init or stmt.lineno < node.lineno):
                for t in stmt.targets:
                    if isinstance(t, ast.Attribute) and _is_self(t.value):
                        out.append(Candidate(f"self.{t.attr}", stmt.value, "self"))
    produced = output_sizes(sf, fn, _call_of(node))
    for c in out:
        c.produced = c.text in produced
    return [c for c in out if not _NOT_A_SIZE.search(c.text)]


def output_sizes(sf: SourceFile, fn: ast.AST, skip: ast.Call | None = None) -> set[str]:
    """How calls in ``fn`` (other than ``skip``) spell their output size: ``cfg.d_model`` in ``Linear(a, cfg.d_model)``."""
    calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call) and c is not skip]
    return {sf.segment(kw.value) for c in calls for kw in c.keywords if kw.arg in _OUT_ARGS} | {
        sf.segment(c.args[1]) for c in calls if len(c.args) > 1
    }


def is_output_size(sf: SourceFile, node: ast.AST, text: str) -> bool:
    """Is ``text``, written at ``node``, the output size of another layer built in the same function?

    Then it most likely is the size of the tensor that flows into ``node``'s layer: strong evidence for a resize.
    """
    fn = sf.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return fn is not None and text in output_sizes(sf, fn, _call_of(node))


def _call_of(node: ast.AST) -> ast.Call | None:
    parent = getattr(node, "parent", None)
    parent = getattr(parent, "parent", None) if isinstance(parent, ast.keyword) else parent
    return parent if isinstance(parent, ast.Call) else None


def _config_fields(sources: Sources, fn: ast.FunctionDef, param: ast.arg) -> list[str]:
    """Fields of a config parameter: those the function reads (``cfg.x``) and those its annotated class declares."""
    fields = [
        n.attr
        for n in ast.walk(fn)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == param.arg
    ]
    annotation = param.annotation
    name = (
        annotation.id
        if isinstance(annotation, ast.Name)
        else (
            annotation.value
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str)
            else None
        )
    )
    if name:
        for f in sources.project_files():
            for cls in (n for n in f.walk() if isinstance(n, ast.ClassDef) and n.name == name):
                fields += [
                    s.target.id
                    for s in cls.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                ]
    return list(dict.fromkeys(fields))


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _self_assignment(sf: SourceFile, attr: ast.Attribute) -> ast.AST | None:
    """The value of ``self.X = ...`` in ``__init__`` of the class around ``attr`` (the only one)."""
    cls = sf.enclosing(attr, (ast.ClassDef,))
    if cls is None:
        return None
    found = [
        s.value
        for init in cls.body
        if isinstance(init, ast.FunctionDef) and init.name == "__init__"
        for s in ast.walk(init)
        if isinstance(s, ast.Assign)
        and any(isinstance(t, ast.Attribute) and _is_self(t.value) and t.attr == attr.attr for t in s.targets)
    ]
    return found[0] if len(found) == 1 else None
