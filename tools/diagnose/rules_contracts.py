"""Training-loop contracts users break: loss/target shapes and dtypes, label ranges, vocabularies, recurrent
state, module registration, autograd order, numerics and API names.

These rules were written after measuring the second zoo (``tests/bugzoo_real``, failures reproduced from
public reports). Each follows the failing value back through the program (``ast``) to the line that must
change; none is keyed on a file or variable name. They are loaded before the older rules: a rule that finds
no evidence in the program returns ``None`` and the next rule gets the error. Every fix is still only a
candidate: ``--apply`` keeps it only when the re-run trains.
"""

from __future__ import annotations

import ast
import difflib
import re

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.follow import assigned_attr, loss_call_on_sites, nn_prefix, receiver, wrap
from mlintern.tools.diagnose.source import Patch, SourceFile, call_arg, call_name, const_value


def _location(a: Analysis):
    return (a.site[1], a.site[0].line) if a.site else None


def _shape(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", text)]


def _site_nodes(a: Analysis, kind):
    """(sf, line, node) for nodes of ``kind`` on the failing statements, innermost frame first."""
    for frame, sf in a.sites:
        for node in sf.nodes_on(frame.line, kind):
            yield sf, frame.line, node


def _scope(sf: SourceFile, line: int) -> ast.AST | None:
    return sf.function_at(line) or sf.tree


def _assignments_to(scope: ast.AST, name: str, before: int) -> list[ast.Assign]:
    out = []
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and node.lineno <= before
            and any(isinstance(t, ast.Name) and t.id == name for tgt in node.targets for t in ast.walk(tgt))
        ):
            out.append(node)
    return sorted(out, key=lambda n: n.lineno)


def _module_defs(a: Analysis, *layer: str) -> list[tuple[SourceFile, ast.Call, str]]:
    """``self.X = nn.Layer(...)`` constructors of the given layer kinds, with X."""
    out = []
    for sf, call in a.sources.calls(*layer):
        attr = assigned_attr(sf, call)
        if attr:
            out.append((sf, call, attr))
    return out


# ----------------------------------------------------------------------------- loss and target contracts
@rule(
    "target_shape",
    r"Target size \(torch\.Size\(\[([\d, ]*)\]\)\) must be the same as input size "
    r"\(torch\.Size\(\[([\d, ]*)\]\)\)",
)
def bce_target_shape(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    target_shape, input_shape = _shape(m[1]), _shape(m[2])
    inp, tgt = sf.segment(call.args[0]), sf.segment(call.args[1])
    fixes = []
    if input_shape == target_shape + [1]:
        fixes.append(
            Fix(
                f"Give the target the output's shape: {tgt}.unsqueeze(-1)",
                0.9,
                [Patch(sf).replace_node(call.args[1], f"{wrap(tgt)}.unsqueeze(-1)")],
            )
        )
        fixes.append(
            Fix(
                f"Drop the output's last dimension: {inp}.squeeze(-1)",
                0.7,
                [Patch(sf).replace_node(call.args[0], f"{wrap(inp)}.squeeze(-1)")],
            )
        )
    elif target_shape == input_shape + [1]:
        fixes.append(
            Fix(
                f"Drop the target's last dimension: {tgt}.squeeze(-1)",
                0.9,
                [Patch(sf).replace_node(call.args[1], f"{wrap(tgt)}.squeeze(-1)")],
            )
        )
    elif _prod(target_shape) == _prod(input_shape):
        shape = ", ".join(["-1", *map(str, input_shape[1:])])
        fixes.append(
            Fix(
                f"Reshape the target to the output's shape: {tgt}.reshape({shape})",
                0.75,
                [Patch(sf).replace_node(call.args[1], f"{wrap(tgt)}.reshape({shape})")],
            )
        )
    return Finding(
        "target_shape",
        f"The loss on {sf.rel}:{call.lineno} compares `{inp}` of shape {input_shape} with "
        f"`{tgt}` of shape {target_shape}; element-wise losses (BCE, MSE) need both in the same shape.",
        (sf, call.lineno),
        fixes,
    )


def _prod(xs: list[int]) -> int:
    p = 1
    for x in xs:
        p *= x
    return p


@rule(
    "target_shape",
    r"only batches of spatial targets supported \(3D tensors\) but got targets of dimension: 4",
)
def spatial_target_channel(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    tgt = sf.segment(call.args[1])
    return Finding(
        "target_shape",
        f"Per-pixel cross-entropy takes targets of shape (batch, H, W) with one class "
        f"index per pixel; `{tgt}` has a channel dimension (batch, 1, H, W).",
        (sf, call.lineno),
        [
            Fix(
                f"Drop the mask's channel dimension: {tgt}.squeeze(1)",
                0.9,
                [Patch(sf).replace_node(call.args[1], f"{wrap(tgt)}.squeeze(1)")],
            )
        ],
    )


@rule(
    "loss_arguments_swapped",
    r"\"(?:log_softmax|softmax|nll_loss)\w*\" not implemented for '(?:Long|Int|Bool)'|"
    r"Expected floating point type for target with class probabilities, got Float",
)
def loss_args_swapped(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    first, second = sf.segment(call.args[0]), sf.segment(call.args[1])
    patch = Patch(sf).replace_node(call.args[0], second).replace_node(call.args[1], first)
    return Finding(
        "loss_arguments_swapped",
        f"The loss on {sf.rel}:{call.lineno} received the integer class labels "
        f"`{first}` as its input (logits): losses take (input, target), model output first.",
        (sf, call.lineno),
        [Fix(f"Pass the model output first: ({second}, {first})", 0.9, [patch])],
    )


@rule("target_out_of_bounds", r"Target (-?\d+) is out of bounds")
def target_range(a: Analysis, m) -> Finding | None:
    target = int(m[1])
    found = loss_call_on_sites(a)
    if target < 0:
        # A padding label: the loss must ignore it.
        for sf, call in a.sources.calls("CrossEntropyLoss", "NLLLoss", "cross_entropy", "nll_loss"):
            if any(k.arg == "ignore_index" for k in call.keywords):
                continue
            if call.args and call_name(call) in ("cross_entropy", "nll_loss"):
                continue
            text = sf.segment(call)
            new = text[:-1] + (", " if call.args or call.keywords else "") + f"ignore_index={target})"
            return Finding(
                "target_out_of_bounds",
                f"Label {target} marks padding, but `{text}` ({sf.rel}:"
                f"{call.lineno}) ignores -100 by default, so {target} is read as a class index.",
                (sf, call.lineno),
                [
                    Fix(
                        f"Ignore the padding label: ignore_index={target}",
                        0.9,
                        [Patch(sf).replace_node(call, new)],
                    )
                ],
            )
        if found:
            sf, call = found
            new = sf.segment(call)[:-1] + f", ignore_index={target})"
            return Finding(
                "target_out_of_bounds",
                f"Label {target} marks padding; the loss must ignore it.",
                (sf, call.lineno),
                [
                    Fix(
                        f"Ignore the padding label: ignore_index={target}",
                        0.85,
                        [Patch(sf).replace_node(call, new)],
                    )
                ],
            )
        return None
    fixes = []
    heads = [(sf, c) for sf, c in a.sources.calls("Linear") if _out_features(a, sf, c) is not None]
    outs = {(_out_features(a, sf, c) or (None,))[0] for sf, c in heads}
    if found and (target in outs or _built_with_plus_one(found[0], found[1].args[1])):
        # The largest label equals the number of outputs: labels counted from 1, or one class too few.
        sf, call = found
        tgt = sf.segment(call.args[1])
        one_based = _built_with_plus_one(sf, call.args[1])
        fixes.append(
            Fix(
                f"Labels start at 1: shift them to start at 0 ({tgt} - 1)",
                0.8 if one_based else 0.6,
                [Patch(sf).replace_node(call.args[1], f"{wrap(tgt)} - 1")],
            )
        )
    for sf, call in reversed(heads):
        value, node, owner = _out_features(a, sf, call)
        if node is call_arg(call, 1, "out_features"):
            # A size spelled in the call: the config-aware rule (rules_data) writes it for every config.
            if not fixes:
                continue
            from mlintern.tools.diagnose.rules_data import target_bounds

            sized = target_bounds(a, m)
            fixes.extend(sized.fixes if sized is not None else [])
            break
        if value is not None and value <= target:
            fixes.append(
                Fix(
                    f"Give the output layer {target + 1} classes (label {target} was seen)",
                    0.7,
                    [Patch(owner).replace_node(node, str(target + 1))],
                )
            )
            break
    if not fixes:
        return None
    fixes.sort(key=lambda f: -f.confidence)
    return Finding(
        "target_out_of_bounds",
        f"Label {target} is not below the classifier's number of outputs: the "
        f"labels either start at 1 or the output layer has fewer classes than the data.",
        _location(a),
        fixes,
    )


def _built_with_plus_one(sf: SourceFile, node: ast.AST) -> bool:
    """Do the labels in ``node`` come (through assignments and appends in this file) from ``... + 1``?"""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    for _ in range(4):
        grown = set(names)
        for stmt in sf.walk():
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in names for tgt in stmt.targets for t in ast.walk(tgt)
            ):
                if any(
                    isinstance(v, ast.BinOp)
                    and isinstance(v.op, ast.Add)
                    and isinstance(v.right, ast.Constant)
                    and v.right.value == 1
                    for v in ast.walk(stmt.value)
                ):
                    return True
                grown |= {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
            elif (
                isinstance(stmt, ast.Call)
                and call_name(stmt) == "append"
                and isinstance(stmt.func, ast.Attribute)
                and isinstance(stmt.func.value, ast.Name)
                and stmt.func.value.id in names
            ):
                grown |= {n.id for arg in stmt.args for n in ast.walk(arg) if isinstance(n, ast.Name)}
        if grown == names:
            break
        names = grown
    return False


def _out_features(a: Analysis, sf: SourceFile, call: ast.Call):
    """(value, node to change, file) for a Linear's out_features, following config dict entries."""
    node = call_arg(call, 1, "out_features")
    if node is None:
        return None
    value = const_value(sf, node, a.sources)
    if value is not None:
        return value, node, sf
    entry = _dict_entry(a, sf, node)
    if entry is not None:
        f, value_node = entry
        value = const_value(f, value_node, a.sources)
        if value is not None:
            return value, value_node, f
    return None


def _dict_entry(a: Analysis, sf: SourceFile, node: ast.AST):
    """``CFG["key"]`` -> the value node of ``"key"`` in the dict literal assigned to ``CFG``."""
    if not (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return None
    for f in [sf, *[x for x in a.sources.project_files() if x is not sf]]:
        for stmt in f.tree.body if f.tree else []:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == node.value.id for t in stmt.targets)
            ):
                for k, v in zip(stmt.value.keys, stmt.value.values, strict=False):
                    if isinstance(k, ast.Constant) and k.value == node.slice.value:
                        return f, v
    return None


@rule(
    "mse_on_class_labels",
    r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at "
    r"non-singleton dimension 1",
)
def mse_on_labels(a: Analysis, m) -> Finding | None:
    if not any("mse_loss" in f.function or "l1_loss" in f.function for f in a.exc.frames):
        return None
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    for f, ctor in a.sources.calls("MSELoss", "L1Loss"):
        prefix = nn_prefix(f)
        return Finding(
            "mse_on_class_labels",
            f"A regression loss (`{f.segment(ctor)}`, {f.rel}:{ctor.lineno}) "
            f"compares {m[1]} scores per sample with one integer label per sample: for class labels "
            "use cross-entropy.",
            (f, ctor.lineno),
            [
                Fix(
                    "Use cross-entropy for class labels",
                    0.85,
                    [Patch(f).replace_node(ctor, f"{prefix}.CrossEntropyLoss()")],
                )
            ],
        )
    return None


# ----------------------------------------------------------------------------- vocabularies and embeddings
@rule("embedding_index", r"index out of range in self")
def vocab_from_max(a: Analysis, m) -> Finding | None:
    """A vocabulary size computed as the largest id (``int(ids.max())``) has no row for that id."""
    for sf, call in a.sources.calls("Embedding"):
        node = call_arg(call, 0, "num_embeddings")
        if node is None:
            continue
        text = sf.segment(node)
        origin = _origin_text(a, sf, node)
        if origin.startswith("len(") and _ids_offset_by_one(a, origin[4:-1]):
            return Finding(
                "embedding_index",
                f"Token ids are numbered from 1 (0 kept free), so the largest id is "
                f"`{origin}` itself, but `{sf.segment(call)}` ({sf.rel}:{call.lineno}) has only "
                f"`{origin}` rows (ids 0..{origin} - 1).",
                (sf, call.lineno),
                [
                    Fix(
                        "Make room for the largest id: num_embeddings + 1",
                        0.85,
                        [Patch(sf).replace_node(node, f"{wrap(text)} + 1")],
                    )
                ],
            )
        if ".max()" in origin or "max(" in origin:
            return Finding(
                "embedding_index",
                f"The embedding `{sf.segment(call)}` ({sf.rel}:{call.lineno}) has "
                f"`{origin}` rows: ids run from 0 to that maximum, so it needs one more row.",
                (sf, call.lineno),
                [
                    Fix(
                        "Count the largest id too: num_embeddings = max id + 1",
                        0.9,
                        [Patch(sf).replace_node(node, f"{wrap(text)} + 1")],
                    )
                ],
            )
    return None


def _ids_offset_by_one(a: Analysis, collection: str) -> bool:
    """Is there an id mapping over ``enumerate(collection)`` whose ids are ``i + 1``?"""
    for f in a.sources.project_files():
        for comp in (n for n in f.walk() if isinstance(n, ast.DictComp | ast.ListComp)):
            gens = [
                g
                for g in comp.generators
                if isinstance(g.iter, ast.Call)
                and call_name(g.iter) == "enumerate"
                and g.iter.args
                and f.segment(g.iter.args[0]) == collection
            ]
            value = comp.value if isinstance(comp, ast.DictComp) else comp.elt
            if gens and any(
                isinstance(v, ast.BinOp)
                and isinstance(v.op, ast.Add)
                and isinstance(v.right, ast.Constant)
                and v.right.value == 1
                for v in ast.walk(value)
            ):
                return True
    return False


def _origin_text(a: Analysis, sf: SourceFile, node: ast.AST, depth: int = 0) -> str:
    """The text a size name was computed from: a module assignment, or the argument a caller passed."""
    if not isinstance(node, ast.Name) or depth > 3:
        return sf.segment(node)
    fn = sf.enclosing(node, (ast.FunctionDef,))
    if fn is not None and node.id in [x.arg for x in fn.args.args]:
        cls = sf.enclosing(fn, (ast.ClassDef,))
        params = [x.arg for x in fn.args.args[1:]] if cls is not None else [x.arg for x in fn.args.args]
        owner = cls.name if cls is not None else fn.name
        for f, c in a.sources.calls(owner):
            value = call_arg(c, params.index(node.id), node.id)
            if value is not None:
                return _origin_text(a, f, value, depth + 1)
        return sf.segment(node)
    for f in [sf, *[x for x in a.sources.project_files() if x is not sf]]:
        for stmt in f.tree.body if f.tree else []:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets
            ):
                return _origin_text(a, f, stmt.value, depth + 1)
    return sf.segment(node)


@rule(
    "embedding_dtype",
    r"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
    r"Long, Int; but got \S+Float|'indices'.*(?:Float|Double)",
)
def embedding_float_ids(a: Analysis, m) -> Finding | None:
    attrs = {attr for _sf, _c, attr in _module_defs(a, "Embedding")}
    for sf, _line, call in _site_nodes(a, ast.Call):
        f = call.func
        is_emb = (isinstance(f, ast.Attribute) and f.attr in attrs) or call_name(call) == "embedding"
        if is_emb and call.args:
            arg = sf.segment(call.args[0])
            return Finding(
                "embedding_dtype",
                f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) looks up rows by "
                f"`{arg}`, which holds floats; token ids must be integers (int64).",
                (sf, call.lineno),
                [
                    Fix(
                        f"Pass integer ids: {arg}.long()",
                        0.9,
                        [Patch(sf).replace_node(call.args[0], f"{wrap(arg)}.long()")],
                    )
                ],
            )
    return None


# ----------------------------------------------------------------------------- sequence models
@rule(
    "rnn_hidden_size", r"Expected hidden(?:\[0\])? size \((\d+), (\d+), (\d+)\), got \[(\d+), (\d+), (\d+)\]"
)
def rnn_hidden(a: Analysis, m) -> Finding | None:
    expected_batch, got_batch = int(m[2]), int(m[5])
    rnns = {attr: (sf, c) for sf, c, attr in _module_defs(a, "LSTM", "GRU", "RNN")}
    for sf, line, call in _site_nodes(a, ast.Call):
        f = call.func
        if not (isinstance(f, ast.Attribute) and f.attr in rnns and len(call.args) >= 2):
            continue
        csf, ctor = rnns[f.attr]
        batch_first = any(
            k.arg == "batch_first" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in ctor.keywords
        )
        scope = _scope(sf, line)
        inp = sf.segment(call.args[0])
        fixes = []
        states = [
            n
            for n in ast.walk(scope)
            if isinstance(n, ast.Call) and call_name(n) in ("zeros", "randn", "ones", "empty", "zeros_like")
        ]
        fixed_batch = []
        for st in states:
            if len(st.args) >= 3:
                node = st.args[1]
                seg = sf.segment(node)
                if (
                    isinstance(node, ast.Attribute | ast.Constant | ast.Name | ast.Subscript)
                    and seg != inp
                    and ".size(" not in seg
                    and ".shape" not in seg
                    and "len(" not in seg
                ):
                    fixed_batch.append(node)
        if not batch_first and any(
            "size(0)" in sf.segment(st) or "shape[0]" in sf.segment(st) for st in states
        ):
            new = sf.segment(ctor)[:-1] + ", batch_first=True)"
            fixes.append(
                Fix(
                    "The input is (batch, time, features): build the recurrent layer with batch_first=True",
                    0.85,
                    [Patch(csf).replace_node(ctor, new)],
                )
            )
        if fixed_batch:
            dim = "0" if batch_first else "1"
            patch = Patch(sf)
            for node in fixed_batch:
                patch.replace_node(node, f"{wrap(inp)}.size({dim})")
            fixes.append(Fix(f"Size the initial state by the actual batch: {inp}.size({dim})", 0.85, [patch]))
        if fixes:
            return Finding(
                "rnn_hidden_size",
                f"The recurrent layer `{csf.segment(ctor)}` expected an initial state "
                f"for a batch of {expected_batch} but got one for {got_batch}: the state is sized for a "
                "fixed batch, or the layer reads the input's first dimension as time.",
                (sf, call.lineno),
                fixes,
            )
    return None


@rule(
    "attention_mask",
    r"The shape of the 2D attn_mask is torch\.Size\(\[(\d+), (\d+)\]\), but should be "
    r"\((\d+), (\d+)\)",
)
def attn_mask_as_padding(a: Analysis, m) -> Finding | None:
    for sf, _line, call in _site_nodes(a, ast.Call):
        for kw in call.keywords:
            if kw.arg == "attn_mask":
                text = sf.segment(call)
                value = sf.segment(kw.value)
                new_call = sf.segment(call).replace(f"attn_mask={value}", f"key_padding_mask={value}", 1)
                if new_call == text:
                    continue
                return Finding(
                    "attention_mask",
                    f"`{value}` has shape ({m[1]}, {m[2]}) = (batch, keys): a padding "
                    "mask, one flag per key of each sequence. attn_mask is (queries, keys) and shared by "
                    "the batch; padding goes to key_padding_mask.",
                    (sf, call.lineno),
                    [
                        Fix(
                            "Pass the padding mask as key_padding_mask",
                            0.9,
                            [Patch(sf).replace_node(call, new_call)],
                        )
                    ],
                )
    return None


# ----------------------------------------------------------------------------- autograd
@rule("item_before_backward", r"'float' object has no attribute 'backward'")
def item_before_backward(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        calls = [c for c in sf.nodes_on(frame.line, ast.Call) if call_name(c) == "backward"]
        if not calls or not isinstance(calls[0].func.value, ast.Name):
            continue
        name = calls[0].func.value.id
        scope = _scope(sf, frame.line)
        for node in reversed(_assignments_to(scope, name, frame.line)):
            item_call, owner = _item_source(a, sf, node.value)
            if item_call is not None:
                patch = Patch(owner).replace_node(item_call, receiver(owner, item_call))
                if owner is not sf:
                    patch = [patch, Patch(sf)]
                else:
                    patch = [patch, patch]
                for use in ast.walk(scope):
                    if (
                        isinstance(use, ast.Call)
                        and call_name(use) == "append"
                        and use.lineno > frame.line
                        and use.args
                        and isinstance(use.args[0], ast.Name)
                        and use.args[0].id == name
                    ):
                        patch[1].replace_node(use.args[0], f"{name}.item()")
                patches = [patch[0]] if patch[0] is patch[1] else [p for p in patch if p.replacements]
                return Finding(
                    "item_before_backward",
                    f"`{name}` became a Python float with `.item()` "
                    f"({owner.rel}:{item_call.lineno}), which has no graph to backpropagate; keep the "
                    "tensor and call `.item()` only for logging.",
                    (owner, item_call.lineno),
                    [Fix(f"Keep `{name}` a tensor; log {name}.item()", 0.9, patches)],
                )
    return None


def _item_source(a: Analysis, sf: SourceFile, value: ast.AST):
    """The ``.item()`` call that made ``value`` a float: ``loss(...).item()``, or in the helper it calls."""
    if isinstance(value, ast.Call) and call_name(value) == "item" and isinstance(value.func, ast.Attribute):
        return value, sf
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        for f in a.sources.project_files():
            for fn in (n for n in f.walk() if isinstance(n, ast.FunctionDef) and n.name == value.func.id):
                for ret in (r for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None):
                    if (
                        isinstance(ret.value, ast.Call)
                        and call_name(ret.value) == "item"
                        and isinstance(ret.value.func, ast.Attribute)
                    ):
                        return ret.value, f
    return None, sf


@rule("two_backward_passes", r"Trying to backward through the graph a second time")
def two_backward(a: Analysis, m) -> Finding | None:
    """Two losses sharing a graph, each with its own backward(): backpropagate their sum once."""
    for frame, sf in a.sites:
        stmt = sf.statement_at(frame.line)
        parent = getattr(stmt, "parent", None)
        body = next((getattr(parent, f) for f in ("body", "orelse") if stmt in getattr(parent, f, [])), None)
        if not body:
            continue
        calls = []
        for s in body[: body.index(stmt) + 1]:
            if (
                isinstance(s, ast.Expr)
                and isinstance(s.value, ast.Call)
                and call_name(s.value) == "backward"
                and isinstance(s.value.func, ast.Attribute)
                and not s.value.args
                and not s.value.keywords
            ):
                calls.append(s)
        if len(calls) >= 2 and calls[-1] is stmt:
            first, second = calls[-2], calls[-1]
            between = body[body.index(first) + 1 : body.index(second)]
            if any(
                isinstance(s, ast.Expr)
                and isinstance(s.value, ast.Call)
                and call_name(s.value) in ("step", "zero_grad")
                for s in between
            ):
                continue
            la, lb = sf.segment(first.value.func.value), sf.segment(second.value.func.value)
            patch = Patch(sf).replace_node(first.value, f"({la} + {lb}).backward()")
            patch.replace_lines(second.lineno, second.end_lineno, "")
            return Finding(
                "two_backward_passes",
                f"`{la}` and `{lb}` share part of one graph; the first "
                "backward() frees it, so the second cannot run. Backpropagate their sum once (the same "
                "gradients, one pass).",
                (sf, first.lineno),
                [Fix(f"Backpropagate the sum once: ({la} + {lb}).backward()", 0.9, [patch])],
            )
    return None


@rule("stale_loss_after_step", r"modified by an inplace operation")
def loss_before_other_step(a: Analysis, m) -> Finding | None:
    """A loss computed before another network's optimizer.step() and backpropagated after it (GAN training)."""
    for frame, sf in a.sites:
        calls = [c for c in sf.nodes_on(frame.line, ast.Call) if call_name(c) == "backward"]
        stmt = sf.statement_at(frame.line)
        parent = getattr(stmt, "parent", None)
        body = getattr(parent, "body", None)
        if (
            not calls
            or not isinstance(calls[0].func, ast.Attribute)
            or not isinstance(calls[0].func.value, ast.Name)
            or not body
            or stmt not in body
        ):
            continue
        name = calls[0].func.value.id
        index = body.index(stmt)
        assign = next(
            (
                s
                for s in reversed(body[:index])
                if isinstance(s, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)
            ),
            None,
        )
        if assign is None:
            continue
        steps = [
            s
            for s in body[body.index(assign) + 1 : index]
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and call_name(s.value) == "step"
        ]
        if not steps:
            continue
        last_step = steps[-1]
        text = "".join(sf.lines[assign.lineno - 1 : assign.end_lineno])
        patch = Patch(sf).replace_lines(assign.lineno, assign.end_lineno, "")
        patch.insert_after(last_step.end_lineno, text.strip("\n").lstrip(), indent=sf.indent(assign.lineno))
        return Finding(
            "stale_loss_after_step",
            f"`{name}` is computed ({sf.rel}:{assign.lineno}) before "
            f"`{sf.segment(last_step.value)}` ({sf.rel}:{last_step.lineno}) updates weights it depends "
            "on in place, and backpropagated after: its saved tensors are stale. Compute it after that "
            "update.",
            (sf, assign.lineno),
            [Fix(f"Compute `{name}` after {sf.segment(last_step.value)}", 0.85, [patch])],
        )
    return None


@rule("no_grad", r"element 0 of tensors does not require grad")
def no_grad_in_helper(a: Analysis, m) -> Finding | None:
    """The loss comes from a helper that runs the model under torch.no_grad()."""
    for frame, sf in a.sites:
        if not any(call_name(c) == "backward" for c in sf.nodes_on(frame.line, ast.Call)):
            continue
        scope = _scope(sf, frame.line)
        called = {
            call_name(c)
            for c in ast.walk(scope)
            if isinstance(c, ast.Call) and getattr(c, "lineno", 0) < frame.line
        }
        for f in a.sources.project_files():
            for fn in (n for n in f.walk() if isinstance(n, ast.FunctionDef) and n.name in called):
                for w in (n for n in ast.walk(fn) if isinstance(n, ast.With)):
                    if any(
                        isinstance(i.context_expr, ast.Call)
                        and call_name(i.context_expr) in ("no_grad", "inference_mode")
                        for i in w.items
                    ):
                        first, last = w.body[0].lineno, w.body[-1].end_lineno
                        indent = f.indent(w.lineno)
                        body = "".join(
                            indent + ln.lstrip(" ") if ln.strip() else ln for ln in f.lines[first - 1 : last]
                        )
                        patch = Patch(f).replace_lines(w.lineno, last, body)
                        return Finding(
                            "no_grad",
                            f"The loss on {sf.rel}:{frame.line} comes from `{fn.name}()`, "
                            f"which runs under `torch.no_grad()` ({f.rel}:{w.lineno}): no graph is "
                            "recorded, so there is nothing to backpropagate.",
                            (f, w.lineno),
                            [
                                Fix(
                                    f"Record gradients in {fn.name}() (drop its torch.no_grad())",
                                    0.8,
                                    [patch],
                                )
                            ],
                        )
    return None


@rule("non_leaf_parameter", r"can't optimize a non-leaf Tensor")
def non_leaf(a: Analysis, m) -> Finding | None:
    for sf in a.sources.project_files():
        for node in sf.walk():
            if (
                not isinstance(node, ast.Assign)
                or isinstance(node.value, ast.Call)
                and any(k.arg == "requires_grad" for k in node.value.keywords)
            ):
                continue
            inner = [
                c
                for c in ast.walk(node.value)
                if isinstance(c, ast.Call) and any(k.arg == "requires_grad" for k in c.keywords)
            ]
            if not inner:
                continue
            call = inner[0]
            kw = next(k for k in call.keywords if k.arg == "requires_grad")
            text = sf.segment(node.value)
            bare = text.replace(f", requires_grad={sf.segment(kw.value)}", "", 1)
            if bare == text:
                continue
            return Finding(
                "non_leaf_parameter",
                f"`{text}` ({sf.rel}:{node.lineno}) is the result of an operation "
                "on a tensor that requires grad, not a leaf: optimizers update leaves only. Make the "
                "computed value the parameter.",
                (sf, node.lineno),
                [
                    Fix(
                        "Make the computed value a leaf parameter: torch.nn.Parameter(...)",
                        0.9,
                        [Patch(sf).replace_node(node.value, f"torch.nn.Parameter({bare})")],
                    )
                ],
            )
    return None


# ----------------------------------------------------------------------------- module registration
def _registration_patches(a: Analysis) -> tuple[list[Patch], list[str]]:
    """Layers kept in plain lists/dicts and tensors kept as plain attributes of Modules, used on the failing lines."""
    from mlintern.tools.diagnose.follow import self_attrs

    used: set[str] = set()
    for (
        frame,
        site,
    ) in a.sites:  # state the failing method reads (the loop over self.blocks, not only the line)
        scope = site.function_at(frame.line) or site.statement_at(frame.line)
        if scope is not None:
            used |= self_attrs(scope)
    patches: dict[str, Patch] = {}
    names = []
    for sf in a.sources.project_files():
        prefix = nn_prefix(sf)
        for cls in (n for n in sf.walk() if isinstance(n, ast.ClassDef)):
            init = next(
                (s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None
            )
            if init is None or not any(
                call_name(c) == "__init__" for c in ast.walk(init) if isinstance(c, ast.Call)
            ):
                continue
            for node in ast.walk(init):
                if not (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Attribute)
                    and isinstance(node.targets[0].value, ast.Name)
                    and node.targets[0].value.id == "self"
                ):
                    continue
                value, attr = node.value, node.targets[0].attr
                if attr not in used:
                    continue
                layers = any(isinstance(c, ast.Call) and call_name(c)[:1].isupper() for c in ast.walk(value))
                if isinstance(value, ast.Dict | ast.DictComp) and layers:
                    new = f"{prefix}.ModuleDict({sf.segment(value)})"
                elif isinstance(value, ast.List | ast.ListComp) and layers:
                    new = f"{prefix}.ModuleList({sf.segment(value)})"
                elif (
                    isinstance(value, ast.Call)
                    and call_name(value)
                    in ("tensor", "as_tensor", "from_numpy", "zeros", "ones", "randn", "arange", "linspace")
                    and not any(
                        isinstance(c, ast.Call) and call_name(c) == "Parameter" for c in ast.walk(value)
                    )
                ):
                    patches.setdefault(sf.rel, Patch(sf)).replace_node(
                        node, f'self.register_buffer("{attr}", {sf.segment(value)})'
                    )
                    names.append(f"tensor self.{attr} ({sf.rel}:{node.lineno})")
                    continue
                else:
                    continue
                patches.setdefault(sf.rel, Patch(sf)).replace_node(value, new)
                names.append(f"self.{attr} ({sf.rel}:{node.lineno})")
    return list(patches.values()), names


@rule(
    "unregistered_state",
    r"must have the same dtype|expected scalar type \w+ but found \w+|"
    r"Expected all tensors to be on the same device|expected m1 and m2 to have the same dtype",
)
def unregistered(a: Analysis, m) -> Finding | None:
    patches, names = _registration_patches(a)
    if not patches:
        return None
    first = patches[0]
    return Finding(
        "unregistered_state",
        "Some of the model's state is not registered with its Module: "
        + ", ".join(names)
        + ". `model.double()`, `.float()`, `.to(device)` and the optimizer see only "
        "registered layers (attributes, nn.ModuleList/ModuleDict) and buffers (register_buffer), so "
        "these stay behind in the wrong dtype or device.",
        (first.source, first.edits()[0]["start_line"]),
        [Fix("Register the state: nn.ModuleList/ModuleDict and register_buffer", 0.85, patches)],
    )


# ----------------------------------------------------------------------------- shapes
@rule(
    "view_fixed_batch",
    r"mat1 and mat2 shapes cannot be multiplied|shape '\[(-?\d+), -?\d+\]' is invalid for "
    r"input of size|Expected input batch_size \((\d+)\) to match target batch_size",
)
def view_fixed_batch(a: Analysis, m) -> Finding | None:
    """``x.view(BATCH_SIZE, -1)``: the last, smaller batch no longer fits."""
    for frame, sf in a.sites:
        fn = sf.function_at(frame.line)
        if fn is None:
            continue
        for call in (
            c for c in ast.walk(fn) if isinstance(c, ast.Call) and call_name(c) in ("view", "reshape")
        ):
            if len(call.args) < 2 or not isinstance(call.func, ast.Attribute):
                continue
            first = call.args[0]
            if (
                not isinstance(first, ast.Name | ast.Attribute)
                or ".size(" in sf.segment(first)
                or ".shape" in sf.segment(first)
            ):
                continue
            if not any(isinstance(x, ast.UnaryOp) and const_value(sf, x) == -1 for x in call.args[1:]):
                continue
            name = sf.segment(first)
            if "batch" not in name.lower() and const_value(sf, first, a.sources) is None:
                continue
            recv = receiver(sf, call)
            return Finding(
                "view_fixed_batch",
                f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) flattens to a fixed "
                f"batch of `{name}`; the last batch of an epoch is smaller, so the features get folded "
                "into the batch dimension.",
                (sf, call.lineno),
                [
                    Fix(
                        f"Flatten by the actual batch: {recv}.size(0)",
                        0.9,
                        [Patch(sf).replace_node(first, f"{wrap(recv)}.size(0)")],
                    )
                ],
            )
    return None


# ----------------------------------------------------------------------------- data pipeline
@rule(
    "sample_not_tensor",
    r"must be Tensor, not list|expected Tensor as element \d+ in argument \d+, but got list",
)
def sample_is_list(a: Analysis, m) -> Finding | None:
    for sf in a.sources.project_files():
        for cls in (n for n in sf.walk() if isinstance(n, ast.ClassDef)):
            get = next(
                (s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__getitem__"), None
            )
            if get is None:
                continue
            for ret in (n for n in ast.walk(get) if isinstance(n, ast.Return) and n.value is not None):
                elts = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
                patch = Patch(sf)
                for elt in elts:
                    if isinstance(elt, ast.Call) and call_name(elt) in (
                        "tensor",
                        "as_tensor",
                        "from_numpy",
                        "stack",
                    ):
                        continue
                    patch.replace_node(elt, f"torch.tensor({sf.segment(elt)}, dtype=torch.float32)")
                if patch.replacements:
                    return Finding(
                        "sample_not_tensor",
                        f"`{cls.name}.__getitem__` ({sf.rel}:{ret.lineno}) returns "
                        "Python lists; the DataLoader then batches them as lists of per-position values, "
                        "not tensors. Return tensors from the dataset.",
                        (sf, ret.lineno),
                        [Fix(f"Return tensors from {cls.name}.__getitem__", 0.85, [patch])],
                    )
    return None


# ----------------------------------------------------------------------------- numerics
@rule("half_precision_overflow", r"(?i)(?:\b(?:nan|inf)\b.*\bloss\b|\bloss\b.*\b(?:nan|inf)\b|overflow)")
def half_overflow(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        scope = _scope(sf, frame.line)
        halves = [
            c
            for c in ast.walk(scope)
            if isinstance(c, ast.Call)
            and isinstance(c.func, ast.Attribute)
            and (call_name(c) == "half" or (call_name(c) == "to" and "float16" in sf.segment(c)))
        ]
        if halves:
            patch = Patch(sf)
            for c in halves:
                patch.replace_node(c, receiver(sf, c))
            return Finding(
                "half_precision_overflow",
                "float16 holds values only up to 65504: "
                + ", ".join(f"`{sf.segment(c)}` ({sf.rel}:{c.lineno})" for c in halves)
                + " overflows to inf. Compute in float32 (or use torch.autocast, which keeps "
                "overflow-prone ops such as exp and losses in float32).",
                (sf, halves[0].lineno),
                [Fix("Compute in float32 (drop the float16 cast)", 0.85, [patch])],
            )
    return None


@rule("unnormalised_inputs", r"(?i)(?:\b(?:nan|inf)\b.*\bloss\b|\bloss\b.*\b(?:nan|inf)\b|non-finite)")
def raw_pixels(a: Analysis, m) -> Finding | None:
    """Inputs in 0..255 fed to the model as they are."""
    for frame, sf in a.sites:
        scope = _scope(sf, frame.line)
        for node in ast.walk(sf.tree):
            if (
                not isinstance(node, ast.Assign)
                or len(node.targets) != 1
                or not isinstance(node.targets[0], ast.Name)
            ):
                continue
            text = sf.segment(node.value)
            if not re.search(r"\b25[56]\b|uint8", text) or "/ 255" in text or "/255" in text:
                continue
            name = node.targets[0].id
            if not any(
                isinstance(c, ast.Call) and any(isinstance(x, ast.Name) and x.id == name for x in c.args)
                for c in ast.walk(scope)
            ):
                continue
            return Finding(
                "unnormalised_inputs",
                f"`{name}` ({sf.rel}:{node.lineno}) holds raw values up to 255; "
                "inputs that large make the first layers' outputs and gradients explode. Scale them to "
                "[0, 1].",
                (sf, node.lineno),
                [
                    Fix(
                        f"Scale `{name}` to [0, 1] (/ 255)",
                        0.85,
                        [Patch(sf).replace_node(node.value, f"{wrap(text)} / 255.0")],
                    )
                ],
            )
    return None


@rule("integer_mean", r"mean\(\): could not infer output dtype")
def integer_mean(a: Analysis, m) -> Finding | None:
    for sf, _line, call in _site_nodes(a, ast.Call):
        if call_name(call) == "mean" and isinstance(call.func, ast.Attribute):
            recv = receiver(sf, call)
            new = (
                sf.segment(call).replace(f"{recv}.mean(", f"{wrap(recv)}.float().mean(", 1)
                if sf.segment(call).startswith(recv)
                else f"{wrap(recv)}.float().mean()"
            )
            return Finding(
                "integer_mean",
                f"`{recv}` is a boolean (or integer) tensor; mean() needs floats.",
                (sf, call.lineno),
                [
                    Fix(
                        f"Average as floats: {wrap(recv)}.float().mean()",
                        0.9,
                        [Patch(sf).replace_node(call, new)],
                    )
                ],
            )
    return None


# ----------------------------------------------------------------------------- imports and API names
IMPORTABLE = {
    "torch.utils.data": "DataLoader Dataset TensorDataset IterableDataset Subset ConcatDataset random_split "
    "Sampler RandomSampler SequentialSampler WeightedRandomSampler default_collate "
    "DistributedSampler get_worker_info".split(),
    "torch.nn": "Module Linear Conv1d Conv2d Conv3d Embedding LSTM GRU RNN LayerNorm BatchNorm1d BatchNorm2d "
    "Dropout ReLU GELU Sequential ModuleList ModuleDict Parameter CrossEntropyLoss MSELoss "
    "BCEWithLogitsLoss MultiheadAttention TransformerEncoder TransformerEncoderLayer functional".split(),
    "torch.optim": "SGD Adam AdamW RMSprop Adagrad Adadelta LBFGS Optimizer lr_scheduler".split(),
    "torch.optim.lr_scheduler": "StepLR MultiStepLR ExponentialLR CosineAnnealingLR ReduceLROnPlateau OneCycleLR "
    "LambdaLR LinearLR CosineAnnealingWarmRestarts SequentialLR".split(),
    "torch.nn.utils.rnn": "pad_sequence pack_padded_sequence pad_packed_sequence pack_sequence".split(),
    "torch.nn.utils": "clip_grad_norm_ clip_grad_value_ parameters_to_vector".split(),
    "torch": "Tensor tensor nn optim no_grad".split(),
}


def _closest(wrong: str, pool: list[str]) -> str | None:
    for name in pool:
        if name.lower() == wrong.lower():
            return name
    lowered = {p.lower(): p for p in pool}
    match = difflib.get_close_matches(wrong.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[match[0]] if match else None


@rule("misspelt_import", r"cannot import name '(\w+)' from '([\w.]+)'")
def misspelt_import(a: Analysis, m) -> Finding | None:
    wrong, module = m[1], m[2]
    right = _closest(wrong, IMPORTABLE.get(module, []))
    if not right or not a.site:
        return None
    frame, sf = a.site
    patch = Patch(sf)
    for node in sf.walk():
        if isinstance(node, ast.ImportFrom) and node.module == module:
            for alias in node.names:
                if alias.name == wrong:
                    stmt_text = sf.segment(node)
                    patch.replace_node(node, re.sub(rf"\b{wrong}\b", right, stmt_text))
        elif isinstance(node, ast.Name) and node.id == wrong:
            patch.replace_node(node, right)
    if not patch.replacements:
        return None
    return Finding(
        "misspelt_import",
        f"`{module}` has no `{wrong}`; the name is `{right}` (names are case-sensitive).",
        (sf, frame.line),
        [Fix(f"Import and use `{right}`", 0.9, [patch])],
    )


METHODS = {
    "optimizer": "zero_grad step state_dict load_state_dict add_param_group param_groups".split(),
    "module": "forward parameters named_parameters modules children train eval to cuda cpu state_dict "
    "load_state_dict zero_grad requires_grad_ register_buffer apply double float half".split(),
    "scheduler": "step get_last_lr state_dict load_state_dict".split(),
}
OWNERS = {
    "SGD": "optimizer",
    "Adam": "optimizer",
    "AdamW": "optimizer",
    "RMSprop": "optimizer",
    "Adagrad": "optimizer",
    "Optimizer": "optimizer",
    "StepLR": "scheduler",
    "CosineAnnealingLR": "scheduler",
    "ReduceLROnPlateau": "scheduler",
    "OneCycleLR": "scheduler",
    "LambdaLR": "scheduler",
}


@rule("misspelt_api", r"'(\w+)' object has no attribute '(\w+)'")
def misspelt_method(a: Analysis, m) -> Finding | None:
    owner, wrong = m[1], m[2]
    kind = OWNERS.get(owner) or (
        "module"
        if owner
        in {c.name for f in a.sources.project_files() for c in f.walk() if isinstance(c, ast.ClassDef)}
        or owner in ("Sequential", "Linear")
        else None
    )
    if kind is None:
        return None
    right = _closest(wrong, METHODS[kind])
    if not right or right == wrong:
        return None
    for sf, _line, node in _site_nodes(a, ast.Attribute):
        if node.attr == wrong:
            return Finding(
                "misspelt_api",
                f"`{owner}` has no `{wrong}`; the method is `{right}`.",
                (sf, node.lineno),
                [
                    Fix(
                        f"Use .{right}",
                        0.9,
                        [Patch(sf).replace_node(node, f"{sf.segment(node.value)}.{right}")],
                    )
                ],
            )
    return None


@rule("misspelt_api", r"module '([\w.]+)' has no attribute '(\w+)'")
def misspelt_case(a: Analysis, m) -> Finding | None:
    """``nn.Relu`` -> ``nn.ReLU``: the name exists with other capitalisation."""
    from mlintern.tools.diagnose.rules_api import TORCH_NAMES

    owner, wrong = m[1], m[2]
    pool = TORCH_NAMES.get(owner) or IMPORTABLE.get(owner) or []
    right = next((p for p in pool if p.lower() == wrong.lower() and p != wrong), None)
    if not right:
        return None
    for sf, _line, node in _site_nodes(a, ast.Attribute):
        if node.attr == wrong:
            return Finding(
                "misspelt_api",
                f"`{owner}.{wrong}` does not exist; the name is `{owner}.{right}` "
                "(names are case-sensitive).",
                (sf, node.lineno),
                [
                    Fix(
                        f"Use {owner}.{right}",
                        0.95,
                        [Patch(sf).replace_node(node, f"{sf.segment(node.value)}.{right}")],
                    )
                ],
            )
    return None


# NumPy calls with a direct torch equivalent: name -> (torch call template, with {x} the tensor, {a} the rest).
NUMPY_TO_TORCH = {
    "maximum": "torch.clamp({x}, min={a})",
    "minimum": "torch.clamp({x}, max={a})",
    "clip": "torch.clamp({x}, {a})",
    "exp": "torch.exp({x})",
    "log": "torch.log({x})",
    "tanh": "torch.tanh({x})",
    "abs": "torch.abs({x})",
    "sqrt": "torch.sqrt({x})",
    "square": "torch.square({x})",
    "sin": "torch.sin({x})",
    "cos": "torch.cos({x})",
}


@rule("numpy_in_graph", r"Can't call numpy\(\) on Tensor that requires grad")
def numpy_in_graph(a: Analysis, m) -> Finding | None:
    """NumPy in the middle of the forward pass cuts the graph; .detach() would only silence it. Use torch ops."""
    for frame, sf in a.sites:
        fn = sf.function_at(frame.line)
        for call in sf.nodes_on(frame.line, ast.Call):
            if not (
                isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id in ("np", "numpy")
                and call.func.attr in NUMPY_TO_TORCH
                and call.args
            ):
                continue
            first = call.args[0]
            if not (isinstance(first, ast.Call) and call_name(first) == "numpy"):
                continue
            x = receiver(sf, first)
            rest = ", ".join(sf.segment(arg) for arg in call.args[1:])
            patch = Patch(sf).replace_node(call, NUMPY_TO_TORCH[call.func.attr].format(x=x, a=rest))
            stmt = sf.statement_at(frame.line)
            names = (
                {t.id for t in ast.walk(stmt.targets[0]) if isinstance(t, ast.Name)}
                if isinstance(stmt, ast.Assign)
                else set()
            )
            for back in (
                c
                for c in ast.walk(fn or sf.tree)
                if isinstance(c, ast.Call)
                and call_name(c) in ("from_numpy", "as_tensor", "tensor")
                and c.lineno > frame.line
            ):
                if back.args and isinstance(back.args[0], ast.Name) and back.args[0].id in names:
                    patch.replace_node(back, back.args[0].id)
            return Finding(
                "numpy_in_graph",
                f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) leaves torch in the "
                "middle of the forward pass: NumPy records no gradients, so the layers before it could "
                "not learn (`.detach()` would only hide that). The same operation exists in torch.",
                (sf, call.lineno),
                [
                    Fix(
                        f"Use {NUMPY_TO_TORCH[call.func.attr].split('(')[0]} instead of np.{call.func.attr}",
                        0.85,
                        [patch],
                    )
                ],
            )
    return None


SCHEDULER_LENGTH = {"StepLR": ("step_size", 3), "CosineAnnealingLR": ("T_max", 1), "ExponentialLR": None}


@rule("missing_argument", r"(\w+)\.__init__\(\) missing 1 required positional argument: '(\w+)'")
def scheduler_length(a: Analysis, m) -> Finding | None:
    """A learning-rate schedule without its length: size it from the loop that steps it."""
    cls, arg = m[1], m[2]
    known = SCHEDULER_LENGTH.get(cls)
    if not known or known[0] != arg:
        return None
    for sf, _line, call in _site_nodes(a, ast.Call):
        if call_name(call) != cls:
            continue
        stmt = sf.statement_at(call.lineno)
        name = (
            stmt.targets[0].id
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
            else None
        )
        steps = None
        for loop in (
            n
            for n in sf.walk()
            if isinstance(n, ast.For)
            and isinstance(n.iter, ast.Call)
            and call_name(n.iter) == "range"
            and n.iter.args
        ):
            if name and any(
                isinstance(c, ast.Call)
                and call_name(c) == "step"
                and isinstance(c.func, ast.Attribute)
                and sf.segment(c.func.value) == name
                for c in ast.walk(loop)
            ):
                steps = sf.segment(loop.iter.args[-1] if len(loop.iter.args) == 1 else loop.iter.args[1])
                break
        if steps is None:
            continue
        value = f"max(1, {steps} // {known[1]})" if known[1] > 1 else steps
        new = sf.segment(call)[:-1] + f", {arg}={value})"
        return Finding(
            "missing_argument",
            f"`{cls}` needs `{arg}`, the schedule's length in scheduler steps; it is "
            f"stepped once per iteration of a loop of {steps}.",
            (sf, call.lineno),
            [Fix(f"Give {cls} {arg}={value}", 0.8, [Patch(sf).replace_node(call, new)])],
        )
    return None
