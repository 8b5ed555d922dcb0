"""Shape errors: layer sizes that do not match the data flowing into them."""

from __future__ import annotations

import ast

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.follow import (
    assigned_attr,
    batch_sizes,
    is_literal,
    loss_call_on_sites,
    nn_prefix,
    receiver,
    self_attrs,
    set_value,
    site_calls,
    size_title,
    used_on_sites,
    wrap,
)
from mlintern.tools.diagnose.scope import is_output_size, possible_values
from mlintern.tools.diagnose.source import Patch, SourceFile, call_arg, call_name, const_value


def _layer_candidates(a: Analysis, names: tuple[str, ...], index: int, keyword: str, want, others=()):
    """Layer constructors whose size argument evaluates to ``want`` (or cannot be evaluated), best first.

    ``others`` are (index, keyword, value) checks on further arguments (e.g. out_features).
    """
    scored = []
    for sf, call in a.sources.calls(*names):
        node = call_arg(call, index, keyword)
        if node is None:
            continue
        values = possible_values(a.sources, sf, node)  # as this run had them: config.json over the defaults
        if values and want not in values:
            continue
        score = 2 if values else 0
        for idx, kw, expected in others:
            other = possible_values(a.sources, sf, call_arg(call, idx, kw))
            if other and expected not in other:
                score -= 3
            elif other:
                score += 1
        if used_on_sites(a, sf, call):
            score += 2
        scored.append((score, sf, call, node))
    scored.sort(key=lambda t: -t[0])
    return [(sf, call, node) for score, sf, call, node in scored if score >= 0]


def _sized(a: Analysis, sf: SourceFile, node: ast.AST, value: int) -> tuple[list[Patch], str]:
    """Patches making ``node`` equal ``value`` and the text that now states it (see ``set_value``)."""
    patches: dict = {}
    text = set_value(a.sources, sf, node, value, patches)
    return list(patches.values()), text


def _resize(a: Analysis, sf: SourceFile, node: ast.AST, value: int, what: str, confidence: float) -> Fix:
    """A fix "<what> to <size>": an expression in scope when one holds ``value``, else the literal (ranked lower)."""
    patches, text = _sized(a, sf, node, value)
    penalty = 0.05 if is_literal(text) else 0.0
    return Fix(f"{what} to {size_title(text, value)}", confidence - penalty, patches)


def _insert_reshape(a: Analysis, layer_attrs: set[str], template: str) -> Patch | None:
    """Reshape the input of the failing layer call: ``self.fc(x)`` -> ``self.fc(x.flatten(1))``."""
    for frame, sf in a.sites:
        stmt = sf.statement_at(frame.line)
        if stmt is None:
            continue
        calls = [c for c in ast.walk(stmt) if isinstance(c, ast.Call) and c.args]
        # the layer call itself (self.conv(x)), innermost first, before any other call on the line
        calls.sort(key=lambda c: (not self_attrs(c.func), not isinstance(c.args[0], ast.Name)))
        for call in calls:
            if not layer_attrs or self_attrs(call.func) & layer_attrs:
                # Rewrite the argument in place (not `x = x.f()` above the line, which a loop would repeat).
                arg = call.args[0]
                return Patch(sf).replace_node(arg, template.format(x=wrap(sf.segment(arg))))
    return None


@rule("shape_mismatch_linear", r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")
def linear_in_features(a: Analysis, m) -> Finding | None:
    rows, got, want, out = map(int, m.groups())
    layers = _layer_candidates(a, ("Linear",), 0, "in_features", want, [(1, "out_features", out)])
    finding = Finding("shape_mismatch_linear", "")
    flatten_likely = want > got and want % got == 0 and (rows * got) % want == 0
    if layers:
        sf, call, node = layers[0]
        flatten_likely = flatten_likely and not _flattened_before(a, sf, call)
        finding.location = (sf, call.lineno)
        layer = sf.segment(call)
        patches, size = _sized(a, sf, node, got)
        # A name that another layer here outputs (cfg.d_model) and that equals the width: the wrong size, not
        # a missing flatten, even when the numbers happen to divide.
        flatten_likely = flatten_likely and not is_output_size(sf, node, size)
        finding.explanation = (
            f"`{layer}` ({sf.rel}:{call.lineno}) expects {want} input features, but the tensor reaching it has "
            f"{got} features per row ({rows} rows). The layer's in_features must equal the size of the last "
            f"dimension of its input."
        )
        if flatten_likely:
            finding.explanation += (
                f" {want} = {want // got} x {got}: the input still has extra dimensions; it must be flattened "
                f"to (batch, {want}) before this layer."
            )
            attrs = {x for x in [assigned_attr(sf, call)] if x}
            parent = getattr(call, "parent", None)
            if isinstance(parent, ast.Call) and call_name(parent) == "Sequential":
                patch = Patch(sf).replace_node(call, f"{nn_prefix(sf)}.Flatten(), {sf.segment(call)}")
            else:
                patch = _insert_reshape(a, attrs, "{x}.flatten(1)")
            if patch:
                finding.fixes.append(
                    Fix(f"Flatten the input to (batch, {want}) before the layer", 0.85, [patch])
                )
        confidence = (0.35 if flatten_likely else 0.9) - (0.05 if is_literal(size) else 0.0)
        finding.fixes.append(
            Fix(f"Set in_features of `{layer}` to {size_title(size, got)}", confidence, patches)
        )
        return finding
    finding.explanation = (
        f"A linear layer expects {want} input features but receives {got} "
        f"(mat1 is {rows}x{got}, the weight is {out}x{want}); no nn.Linear with "
        f"in_features={want} was found in the project to correct."
    )
    return finding


def _flattened_before(a: Analysis, sf: SourceFile, call: ast.Call) -> bool:
    """Does the input of this layer already go through a flatten/view (in a Sequential, or on the failing line)?"""
    parent = getattr(call, "parent", None)
    if isinstance(parent, ast.Call) and call_name(parent) == "Sequential":
        before = parent.args[: parent.args.index(call)] if call in parent.args else []
        if any(isinstance(x, ast.Call) and call_name(x) in ("Flatten", "Unflatten") for x in before):
            return True
    for frame, site in a.sites:
        fn = site.function_at(frame.line)
        text = "".join(site.lines[fn.lineno - 1 : frame.line]) if fn else site.line(frame.line)
        if any(word in text for word in ("flatten(", ".view(", ".reshape(", "Flatten(")):
            return True
    return False


CONV_CHANNELS = (
    r"weight of size \[(\d+), (\d+)(?:, \d+)+\], expected input\[(\d+(?:, \d+)*)\] "
    r"to have (\d+) channels, but got (\d+) channels instead"
)


@rule("shape_mismatch_conv_channels", CONV_CHANNELS)
def conv_channels(a: Analysis, m) -> Finding | None:
    out_c, _in_c, shape, expected, got = (
        int(m[1]),
        int(m[2]),
        [int(x) for x in m[3].split(", ")],
        int(m[4]),
        int(m[5]),
    )
    names = ("Conv1d", "Conv2d", "Conv3d")
    layers = _layer_candidates(a, names, 0, "in_channels", expected, [(1, "out_channels", out_c)])
    finding = Finding("shape_mismatch_conv_channels", "")
    if shape[0] == 1 and got not in (expected,) and expected == 1:
        finding.category = "missing_channel_dim"
        finding.explanation = (
            f"The convolution expects input shaped (batch, {expected}, ...), but the batch has no channel "
            f"dimension: a {len(shape) - 1}-D batch of size {got} was read as one unbatched sample with {got} "
            f"channels. Add the channel dimension with unsqueeze(1)."
        )
        patch = _insert_reshape(a, set(), "{x}.unsqueeze(1)")
        if patch:
            finding.location = (patch.source, a.site[0].line if a.site else 1)
            finding.fixes.append(Fix("Add the missing channel dimension: x.unsqueeze(1)", 0.85, [patch]))
        return finding
    if layers:
        sf, call, node = layers[0]
        finding.location = (sf, call.lineno)
        finding.explanation = (
            f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) expects {expected} input channels, but its input "
            f"{shape} has {got}. in_channels must equal the channels of the incoming tensor (the data, or the "
            f"out_channels of the layer before)."
        )
        channels_last = shape[-1] == expected and len(shape) >= 3 and got == shape[1]
        if channels_last:
            order = ", ".join(str(i) for i in [0, len(shape) - 1, *range(1, len(shape) - 1)])
            patch = _insert_reshape(a, set(), "{x}.permute(" + order + ")")
            if patch:
                finding.explanation += (
                    f" The input's last dimension is {expected}: the data is channels-last "
                    f"(N, H, W, C) and must be permuted to (N, C, H, W)."
                )
                finding.fixes.append(Fix("Move channels first (the data is channels-last)", 0.85, [patch]))
        finding.fixes.append(_resize(a, sf, node, got, "Set in_channels", 0.3 if channels_last else 0.9))
        return finding
    return None


@rule("shape_mismatch_norm", r"running_mean should contain (\d+) elements not (\d+)")
def batchnorm_features(a: Analysis, m) -> Finding | None:
    got, have = int(m[1]), int(m[2])
    layers = _layer_candidates(a, ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"), 0, "num_features", have)
    if not layers:
        return None
    sf, call, node = layers[0]
    return Finding(
        "shape_mismatch_norm",
        f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) normalises {have} channels but its input has "
        f"{got}. num_features must equal the channels of the layer before it.",
        (sf, call.lineno),
        [_resize(a, sf, node, got, "Set num_features", 0.9)],
    )


@rule(
    "shape_mismatch_norm",
    r"Given normalized_shape=\[(\d+)\], expected input with shape \[\*, \d+\], "
    r"but got input of size\s*\[([\d, ]+)\]",
)
def layernorm_shape(a: Analysis, m) -> Finding | None:
    have, shape = int(m[1]), [int(x) for x in m[2].split(",")]
    layers = _layer_candidates(a, ("LayerNorm",), 0, "normalized_shape", have)
    if not layers:
        return None
    sf, call, node = layers[0]
    return Finding(
        "shape_mismatch_norm",
        f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) normalises a last dimension of {have}, but its "
        f"input is {shape}: the normalized shape must be the input's last dimension, {shape[-1]}.",
        (sf, call.lineno),
        [_resize(a, sf, node, shape[-1], "Set the LayerNorm size", 0.9)],
    )


@rule("shape_mismatch_rnn", r"input.size\(-1\) must be equal to input_size. Expected (\d+), got (\d+)")
def rnn_input_size(a: Analysis, m) -> Finding | None:
    have, got = int(m[1]), int(m[2])
    layers = _layer_candidates(a, ("LSTM", "GRU", "RNN"), 0, "input_size", have)
    if not layers:
        return None
    sf, call, node = layers[0]
    return Finding(
        "shape_mismatch_rnn",
        f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) expects {have} features per time step but the "
        f"sequence has {got}. input_size must equal the last dimension of the input.",
        (sf, call.lineno),
        [_resize(a, sf, node, got, "Set input_size", 0.9)],
    )


def _flat_view_fix(
    a: Analysis, view_calls, old_features: int, new_features: int | None, title: str, confidence: float
) -> Fix:
    """Flatten with ``view(x.size(0), -1)`` and size the next layer (by an expression in scope when one fits)."""
    patches: dict = {}
    size = None
    for sf, call in view_calls:
        recv = receiver(sf, call)
        patches.setdefault(sf.rel, Patch(sf)).replace_node(call, f"{recv}.view({recv}.size(0), -1)")
    if new_features:
        for sf, _call, node in _layer_candidates(a, ("Linear",), 0, "in_features", old_features)[:1]:
            size = set_value(a.sources, sf, node, new_features, patches)
    if size is not None:
        title += f" and make the next layer take {size_title(size, new_features)} features"
        confidence -= 0.05 if is_literal(size) else 0.0
    return Fix(title, confidence, list(patches.values()))


@rule("batch_size_mismatch", r"Expected input batch_size \((\d+)\) to match target batch_size \((\d+)\)")
def batch_mismatch(a: Analysis, m) -> Finding | None:
    inb, tb = int(m[1]), int(m[2])
    for sf, call in a.sources.calls("view", "reshape"):
        if len(call.args) != 2 or const_value(sf, call.args[0], a.sources) != -1:
            continue
        n = const_value(sf, call.args[1], a.sources)
        if not isinstance(n, int) or (n * inb) % tb:
            continue
        actual = n * inb // tb
        return Finding(
            "batch_size_mismatch",
            f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) hard-codes {n} features and lets the batch size be "
            f"inferred, but each sample really has {actual} features, so a batch of {tb} became {inb} rows and no "
            f"longer matches the {tb} targets. Keep the batch dimension and flatten the rest; the next layer "
            f"must then take {actual} features.",
            (sf, call.lineno),
            [_flat_view_fix(a, [(sf, call)], n, actual, "Flatten with view(x.size(0), -1)", 0.85)],
        )
    return None


@rule("view_size_mismatch", r"shape '\[(-?\d+), (\d+)\]' is invalid for input of size (\d+)")
def view_invalid(a: Analysis, m) -> Finding | None:
    first, n, total = int(m[1]), int(m[2]), int(m[3])
    views = [(sf, c) for sf, c, _ in site_calls(a, lambda sf, c: call_name(c) in ("view", "reshape"))]
    if first != -1 or not views:
        return None
    sf, call = views[0]
    actual = next((total // b for b in batch_sizes(a.sources) if total % b == 0), None)
    explanation = (
        f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) reshapes to rows of {n} features, but the "
        f"tensor holds {total} values, which is not a whole number of such rows: the feature size "
        f"computed by hand is wrong."
    )
    if actual:
        explanation += f" With the batch size of {total // actual}, each sample has {actual} features."
    return Finding(
        "view_size_mismatch",
        explanation,
        (sf, call.lineno),
        [
            _flat_view_fix(
                a, [(sf, call)], n, actual, "Flatten with view(x.size(0), -1)", 0.8 if actual else 0.4
            )
        ],
    )


@rule("view_non_contiguous", r"view size is not compatible with input tensor's size and stride")
def view_noncontiguous(a: Analysis, m) -> Finding | None:
    views = site_calls(a, lambda sf, c: call_name(c) == "view" and isinstance(c.func, ast.Attribute))
    if not views:
        return None
    sf, call, line = views[0]
    patch = Patch(sf).replace_node(call.func, f"{receiver(sf, call)}.reshape")
    return Finding(
        "view_non_contiguous",
        f"`{sf.segment(call)}` ({sf.rel}:{line}) calls view() on a tensor that is not contiguous in "
        f"memory (after transpose/permute); view cannot reorder data, reshape() copies when it must.",
        (sf, line),
        [Fix("Use reshape() instead of view()", 0.95, [patch])],
    )


@rule(
    "broadcast_mismatch",
    r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)",
)
def broadcast(a: Analysis, m) -> Finding | None:
    size_a, size_b, dim = int(m[1]), int(m[2]), int(m[3])
    if not a.site:
        return None
    frame, sf = a.site
    stmt = sf.statement_at(frame.line)
    vectors = {}
    for f in a.sources.project_files():
        for node in f.walk():
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and call_name(node.value) in ("tensor", "Tensor", "as_tensor")
                and node.value.args
                and isinstance(node.value.args[0], ast.List)
            ):
                if len(node.value.args[0].elts) in (size_a, size_b):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            vectors[t.id] = len(node.value.args[0].elts)
    uses = [n for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.id in vectors] if stmt else []
    explanation = (
        f"On {sf.rel}:{frame.line} two tensors are combined whose sizes {size_a} and {size_b} differ at "
        f"dimension {dim}; broadcasting aligns dimensions from the right, so a per-channel vector must "
        f"be shaped to line up with the channel dimension."
    )
    if not uses or dim < 1:
        return Finding("broadcast_mismatch", explanation, (sf, frame.line))
    patch = Patch(sf)
    trailing = ", ".join(["1"] * (dim - 1))
    for node in uses:
        patch.replace_node(node, f"{node.id}.view(-1, {trailing})" if trailing else f"{node.id}.view(-1)")
    names = ", ".join(sorted({n.id for n in uses}))
    return Finding(
        "broadcast_mismatch",
        explanation + f" `{names}` has {vectors[uses[0].id]} values, one per channel.",
        (sf, frame.line),
        [Fix(f"Reshape {names} to broadcast over the channel dimension", 0.8, [patch])],
    )


@rule("loss_shape", r"Expected target size \[(\d+), (\d+)\], got \[(\d+), (\d+)\]")
def sequence_cross_entropy(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    logits, target = (sf.segment(x) for x in call.args[:2])
    patch = Patch(sf)
    patch.replace_node(call.args[0], f"{wrap(logits)}.reshape(-1, {wrap(logits)}.size(-1))")
    patch.replace_node(call.args[1], f"{wrap(target)}.reshape(-1)")
    return Finding(
        "loss_shape",
        f"The loss on {sf.rel}:{call.lineno} gets logits shaped (batch, time, classes) and targets "
        f"(batch, time); cross-entropy wants the classes in dimension 1. Flatten batch and time: "
        f"logits to (batch*time, classes) and targets to (batch*time).",
        (sf, call.lineno),
        [Fix("Flatten logits and targets over batch and time", 0.9, [patch])],
    )


@rule(
    "rnn_tuple_output",
    r"(?:must be Tensor, not tuple|tuple indices must be integers or slices, not tuple|"
    r"'tuple' object has no attribute)",
)
def rnn_tuple(a: Analysis, m) -> Finding | None:
    recurrent = {}
    for sf, call in a.sources.calls("LSTM", "GRU", "RNN"):
        attr = assigned_attr(sf, call)
        if attr:
            recurrent[attr] = call
    for frame, sf in a.sites:
        fn = sf.function_at(frame.line)
        if fn is None:
            continue
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
                and self_attrs(node.value.func) & set(recurrent)
            ):
                name = node.targets[0].id
                patch = Patch(sf).replace_node(node.targets[0], f"{name}, _")
                return Finding(
                    "rnn_tuple_output",
                    f"`{sf.segment(node)}` ({sf.rel}:{node.lineno}) keeps the whole result of a recurrent "
                    f"layer, which is a tuple (output, hidden state); the next line needs the output "
                    f"tensor.",
                    (sf, node.lineno),
                    [Fix(f"Unpack the recurrent layer's output: {name}, _ = ...", 0.9, [patch])],
                )
    return None


@rule("attention_heads", r"embed_dim must be divisible by num_heads")
def attention_heads(a: Analysis, m) -> Finding | None:
    for sf, call in a.sources.calls(
        "MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer"
    ):
        dim_node, heads_node = (
            call_arg(call, 0, "embed_dim" if call_name(call) == "MultiheadAttention" else "d_model"),
            call_arg(call, 1, "num_heads" if call_name(call) == "MultiheadAttention" else "nhead"),
        )
        dim, heads = const_value(sf, dim_node, a.sources), const_value(sf, heads_node, a.sources)
        if not isinstance(dim, int) or not isinstance(heads, int) or dim % heads == 0:
            continue
        divisors = [h for h in range(1, dim + 1) if dim % h == 0]
        best = min(divisors, key=lambda h: (abs(h - heads), h))
        return Finding(
            "attention_heads",
            f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}): the embedding size {dim} must split evenly "
            f"across the {heads} heads. {best} heads divide it ({dim // best} dimensions each); changing "
            f"the embedding size instead would change every layer around it.",
            (sf, call.lineno),
            [_resize(a, sf, heads_node, best, "Set the number of attention heads", 0.8)],
        )
    return None
