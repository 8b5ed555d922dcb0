"""Autograd errors: in-place edits, graphs reused, losses cut off from the parameters."""

from __future__ import annotations

import ast
import re

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.follow import nn_prefix, receiver
from mlintern.tools.diagnose.source import Patch, SourceFile, call_name

# Tensor methods whose trailing underscore means "in place" and that have an out-of-place twin.
INPLACE_METHODS = {
    "add_",
    "sub_",
    "mul_",
    "div_",
    "relu_",
    "sigmoid_",
    "tanh_",
    "exp_",
    "log_",
    "clamp_",
    "clamp_min_",
    "clamp_max_",
    "masked_fill_",
    "pow_",
    "sqrt_",
    "neg_",
    "abs_",
    "fill_",
    "zero_",
    "copy_",
    "index_fill_",
    "scatter_",
    "addcmul_",
    "addcdiv_",
    "transpose_",
    "unsqueeze_",
    "squeeze_",
    "t_",
    "normal_",
    "uniform_",
    "floor_",
    "round_",
}
_OPS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: "@",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}


def _forward_functions(a: Analysis) -> list[tuple[SourceFile, ast.FunctionDef]]:
    out = []
    for sf in a.sources.project_files():
        for node in sf.walk():
            if isinstance(node, ast.ClassDef):
                out.extend(
                    (sf, f) for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "forward"
                )
    return out


def _inplace_patches(a: Analysis) -> tuple[list[Patch], list[str]]:
    patches: dict[str, Patch] = {}
    found: list[str] = []

    def patch(sf: SourceFile) -> Patch:
        return patches.setdefault(sf.rel, Patch(sf))

    for sf, fn in _forward_functions(a):
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and type(node.op) in _OPS
                and not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, int))
            ):
                name = node.target.id
                patch(sf).replace_node(
                    node, f"{name} = {name} {_OPS[type(node.op)]} {sf.segment(node.value)}"
                )
                found.append(f"`{sf.segment(node)}` ({sf.rel}:{node.lineno})")
            elif (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr in INPLACE_METHODS
            ):
                call = node.value
                recv = receiver(sf, call)
                args = ", ".join(sf.segment(x) for x in [*call.args, *call.keywords])
                patch(sf).replace_node(node, f"{recv} = {recv}.{call.func.attr[:-1]}({args})")
                found.append(f"`{sf.segment(node)}` ({sf.rel}:{node.lineno})")
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript)
                and isinstance(node.targets[0].value, ast.Name)
            ):
                name = node.targets[0].value.id
                patch(sf).insert_before(
                    node.lineno, f"{name} = {name}.clone()  # keep the autograd input intact"
                )
                found.append(f"`{sf.segment(node)}` ({sf.rel}:{node.lineno})")
    for sf in a.sources.project_files():
        for node in sf.walk():
            if (
                isinstance(node, ast.keyword)
                and node.arg == "inplace"
                and isinstance(node.value, ast.Constant)
                and node.value.value is True
            ):
                patch(sf).replace_node(node.value, "False")
                found.append(f"`inplace=True` ({sf.rel}:{node.value.lineno})")
    return list(patches.values()), found


@rule("inplace_modification", r"modified by an inplace operation")
def inplace(a: Analysis, m) -> Finding | None:
    op = ""
    which = re.search(r"output \d+ of (\w+)", a.message)
    if which:
        op = f" (the output of {which.group(1)})"
    patches, found = _inplace_patches(a)
    explanation = (
        f"A tensor that autograd saved for the backward pass{op} was changed in place afterwards, so its "
        f"gradient can no longer be computed."
    )
    if not patches:
        return Finding(
            "inplace_modification",
            explanation + " No in-place operation was found in the forward "
            "methods; look for `+=`, `x[...] = ...`, methods ending in `_` and `inplace=True`.",
            _location(a),
        )
    first = patches[0]
    return Finding(
        "inplace_modification",
        explanation
        + " In-place operations in the model: "
        + ", ".join(found)
        + ". Writing them out of place costs a little memory and keeps the values identical.",
        (first.source, _first_line(first)),
        [Fix("Replace in-place operations in forward() with out-of-place ones", 0.9, patches)],
    )


def _first_line(patch: Patch) -> int:
    edits = patch.edits()
    return edits[0]["start_line"] if edits else 1


def _location(a: Analysis):
    return (a.site[1], a.site[0].line) if a.site else None


def _enclosing_loop(sf: SourceFile, line: int) -> ast.AST | None:
    stmt = sf.statement_at(line)
    return sf.enclosing(stmt, (ast.For, ast.While)) if stmt is not None else None


@rule("backward_twice", r"Trying to backward through the graph a second time")
def backward_twice(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        loop = _enclosing_loop(sf, frame.line)
        while loop is not None:
            for node in ast.walk(loop):
                if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                    continue
                targets = {t.id for tgt in node.targets for t in ast.walk(tgt) if isinstance(t, ast.Name)}
                passed = {x.id for x in node.value.args if isinstance(x, ast.Name)}
                carried = sorted(targets & passed)
                if not carried:
                    continue
                name = carried[0]
                detach = (
                    f"{name} = tuple(h.detach() for h in {name}) if isinstance({name}, tuple) "
                    f"else {name}.detach()"
                )
                patch = Patch(sf).insert_before(
                    node.lineno, f"{detach}  # truncate backprop at the batch boundary"
                )
                return Finding(
                    "backward_twice",
                    f"`{name}` is returned by the model and fed back in on the next iteration "
                    f"({sf.rel}:{node.lineno}), so each backward() reaches into the previous batch's graph, which "
                    f"was freed. Detach the carried state at the start of each step (truncated backpropagation "
                    f"through time); retain_graph=True would only hide this and grow memory without bound.",
                    (sf, node.lineno),
                    [Fix(f"Detach `{name}` before each step", 0.9, [patch])],
                )
            loop = sf.enclosing(loop, (ast.For, ast.While))
    moved = _recompute_in_loop(a)
    if moved:
        return moved
    return Finding(
        "backward_twice",
        "backward() ran twice through the same graph: some tensor built before the "
        "training loop (or carried across iterations) is part of every loss. Build it inside the loop "
        "or detach it.",
        _location(a),
    )


def _recompute_in_loop(a: Analysis) -> Finding | None:
    """A tensor computed once before the loop (``features = encoder(x)``) but used by every step's loss."""
    for frame, sf in a.sites:
        loop = _enclosing_loop(sf, frame.line)
        holder = getattr(loop, "parent", None)
        if loop is None or holder is None:
            continue
        body = next(
            (
                b
                for b in (getattr(holder, "body", None), getattr(holder, "orelse", None))
                if isinstance(b, list) and loop in b
            ),
            None,
        )
        if body is None:
            continue
        used = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for stmt in reversed(body[: body.index(loop)]):
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id in used
                and any(isinstance(c, ast.Call) for c in ast.walk(stmt.value))
                and not any(
                    isinstance(c, ast.Call) and call_name(c) in ("DataLoader", "tensor", "randn", "zeros")
                    for c in ast.walk(stmt.value)
                )
            ):
                name = stmt.targets[0].id
                patch = Patch(sf).replace_lines(stmt.lineno, stmt.end_lineno, "")
                patch.insert_before(loop.body[0].lineno, sf.segment(stmt))
                return Finding(
                    "backward_twice",
                    f"`{sf.segment(stmt)}` ({sf.rel}:{stmt.lineno}) is computed once, before the loop, "
                    f"so every step's loss backpropagates through the same graph, which the first "
                    f"backward() freed. Compute `{name}` inside the loop so each step builds its own graph "
                    "(retain_graph=True would only hide this).",
                    (sf, stmt.lineno),
                    [Fix(f"Compute `{name}` inside the training loop", 0.8, [patch])],
                )
    return None


@rule("non_scalar_backward", r"grad can be implicitly created only for scalar outputs")
def nonscalar(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        for call in sf.nodes_on(frame.line, ast.Call):
            if call_name(call) == "backward" and not call.args and isinstance(call.func, ast.Attribute):
                recv = receiver(sf, call)
                patch = Patch(sf).replace_node(call.func, f"{recv}.mean().backward")
                return Finding(
                    "non_scalar_backward",
                    f"`{recv}` ({sf.rel}:{frame.line}) holds one loss per element (reduction='none' or "
                    f"an unreduced expression); backward() needs a single number. Average it.",
                    (sf, frame.line),
                    [Fix(f"Reduce the loss: {recv}.mean().backward()", 0.9, [patch])],
                )
    return None


def _assignments(fn_body: ast.AST, before: int) -> list[ast.Assign]:
    return [n for n in ast.walk(fn_body) if isinstance(n, ast.Assign) and n.lineno < before]


@rule("no_grad", r"element 0 of tensors does not require grad")
def no_grad(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        calls = [c for c in sf.nodes_on(frame.line, ast.Call) if call_name(c) == "backward"]
        if not calls:
            continue
        scope = sf.function_at(frame.line) or sf.tree
        tracked = {n.id for n in ast.walk(calls[0].func) if isinstance(n, ast.Name)}
        patch = Patch(sf)
        causes: list[str] = []
        for node in sorted(_assignments(scope, frame.line), key=lambda n: -n.lineno):
            names = {t.id for tgt in node.targets for t in ast.walk(tgt) if isinstance(t, ast.Name)}
            if not names & tracked:
                continue
            tracked |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            for call in ast.walk(node.value):
                if not isinstance(call, ast.Call):
                    continue
                if call_name(call) == "detach" and isinstance(call.func, ast.Attribute):
                    patch.replace_node(call, receiver(sf, call))
                    causes.append(f"`.detach()` on {sf.rel}:{node.lineno}")
                elif (
                    call_name(call) in ("tensor", "as_tensor")
                    and call.args
                    and isinstance(call.args[0], ast.Call)
                    and call_name(call.args[0]) == "item"
                ):
                    patch.replace_node(call, receiver(sf, call.args[0]))
                    causes.append(f"a new tensor built from `.item()` on {sf.rel}:{node.lineno}")
            with_block = sf.enclosing(node, (ast.With,))
            if with_block is not None and any(
                isinstance(i.context_expr, ast.Call)
                and call_name(i.context_expr) in ("no_grad", "inference_mode")
                for i in with_block.items
            ):
                body_first, body_last = with_block.body[0].lineno, with_block.body[-1].end_lineno
                header_indent = sf.indent(with_block.lineno)
                body = "".join(
                    header_indent + ln.lstrip(" ") if ln.strip() else ln
                    for ln in sf.lines[body_first - 1 : body_last]
                )
                patch.replace_lines(with_block.lineno, body_last, body)
                causes.append(f"the forward pass runs under `torch.no_grad()` ({sf.rel}:{with_block.lineno})")
                break
        if patch.replacements:
            return Finding(
                "no_grad",
                f"The loss backpropagated on {sf.rel}:{frame.line} is not connected to the model's "
                f"parameters: {'; '.join(causes)}. Autograd has no graph to differentiate.",
                (sf, frame.line),
                [Fix("Keep the loss connected to the model's graph", 0.9, [patch])],
            )
    return Finding(
        "no_grad",
        "The loss is not connected to any parameter (no grad_fn): look for torch.no_grad(), "
        ".detach(), .item()/.numpy() round-trips, or parameters with requires_grad=False.",
        _location(a),
    )


@rule("empty_parameters", r"optimizer got an empty parameter list")
def empty_parameters(a: Analysis, m) -> Finding | None:
    patches: dict[str, Patch] = {}
    names = []
    for sf in a.sources.project_files():
        prefix = nn_prefix(sf)
        for node in sf.walk():
            if not (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Attribute)
                and isinstance(node.targets[0].value, ast.Name)
                and node.targets[0].value.id == "self"
            ):
                continue
            value, attr = node.value, node.targets[0].attr
            holds_layers = any(
                isinstance(c, ast.Call) and (call_name(c)[:1].isupper()) for c in ast.walk(value)
            )
            appended = _appends_layers(sf, attr)
            if isinstance(value, ast.List | ast.ListComp) and (holds_layers or appended):
                patches.setdefault(sf.rel, Patch(sf)).replace_node(
                    value,
                    f"{prefix}.ModuleList({sf.segment(value)})"
                    if value.__class__ is not ast.List or value.elts
                    else f"{prefix}.ModuleList()",
                )
                names.append(f"self.{attr} ({sf.rel}:{node.lineno})")
            elif isinstance(value, ast.Dict) and (holds_layers or appended):
                text = f"{prefix}.ModuleDict({sf.segment(value)})" if value.keys else f"{prefix}.ModuleDict()"
                patches.setdefault(sf.rel, Patch(sf)).replace_node(value, text)
                names.append(f"self.{attr} ({sf.rel}:{node.lineno})")
    explanation = (
        "The optimizer was given no parameters: PyTorch only registers layers assigned directly to a "
        "Module attribute or kept in nn.ModuleList/nn.ModuleDict, not in plain lists or dicts."
    )
    if not patches:
        return Finding(
            "empty_parameters",
            explanation + " Check that the model defines layers and that "
            "`model.parameters()` (not `model.parameters`) is passed.",
            _location(a),
        )
    first = next(iter(patches.values()))
    return Finding(
        "empty_parameters",
        explanation + " Layers are kept in plain containers: " + ", ".join(names) + ".",
        (first.source, first.edits()[0]["start_line"]),
        [Fix("Keep the layers in nn.ModuleList / nn.ModuleDict", 0.9, list(patches.values()))],
    )


def _appends_layers(sf: SourceFile, attr: str) -> bool:
    for node in sf.walk():
        if (
            isinstance(node, ast.Call)
            and call_name(node) == "append"
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == attr
        ):
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute) and t.value.attr == attr
            for t in node.targets
        ):
            return isinstance(node.value, ast.Call)
    return False
