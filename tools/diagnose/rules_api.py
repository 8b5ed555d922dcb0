"""API misuse: misspelt names, missing imports, modules, wrong call signatures, Module set-up."""

from __future__ import annotations

import ast
import difflib

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.source import Patch, SourceFile, call_name

# Names a did-you-mean can suggest when the log has no suggestion of its own (no torch import needed).
TORCH_NAMES = {
    "torch.nn": "Linear Conv1d Conv2d Conv3d ConvTranspose2d BatchNorm1d BatchNorm2d LayerNorm GroupNorm Dropout "
    "ReLU GELU SiLU Tanh Sigmoid Softmax LogSoftmax LeakyReLU ELU Embedding LSTM GRU RNN Transformer "
    "TransformerEncoder TransformerEncoderLayer TransformerDecoderLayer MultiheadAttention Sequential "
    "ModuleList ModuleDict Module Parameter Flatten Unflatten Identity MaxPool2d AvgPool2d "
    "AdaptiveAvgPool2d CrossEntropyLoss MSELoss BCELoss BCEWithLogitsLoss NLLLoss L1Loss SmoothL1Loss "
    "KLDivLoss functional init utils parallel DataParallel".split(),
    "torch.nn.functional": "relu gelu silu softmax log_softmax cross_entropy mse_loss nll_loss "
    "binary_cross_entropy binary_cross_entropy_with_logits linear conv2d dropout layer_norm "
    "one_hot pad interpolate normalize embedding max_pool2d avg_pool2d sigmoid tanh "
    "scaled_dot_product_attention".split(),
    "Tensor": "view reshape flatten unsqueeze squeeze permute transpose contiguous float long int double half "
    "to cuda cpu numpy item tolist detach clone size shape dim sum mean max min argmax argmin softmax "
    "log_softmax masked_fill expand repeat backward zero_ requires_grad_ type_as chunk split".split(),
    "torch": "tensor zeros ones randn rand randint arange linspace cat stack softmax sigmoid tanh relu exp log "
    "matmul bmm einsum where no_grad manual_seed save load from_numpy flatten argmax clamp optim nn "
    "utils cuda device float32 long autocast compile inference_mode".split(),
}
TORCH_MODULES = [
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.nn.utils",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "torch.utils.data",
    "torch.distributed",
    "torch.cuda",
    "torch.amp",
    "torch.autograd",
    "torch.multiprocessing",
    "torch.nn.parallel",
    "torch.utils.checkpoint",
]
# import name -> PyPI distribution, where they differ.
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "dotenv": "python-dotenv",
    "google.protobuf": "protobuf",
    "Crypto": "pycryptodome",
    "attr": "attrs",
    "jwt": "PyJWT",
    "dateutil": "python-dateutil",
    "wandb": "wandb",
    "timm": "timm",
    "einops": "einops",
    "tensorboard": "tensorboard",
    "transformers": "transformers",
    "datasets": "datasets",
    "torchvision": "torchvision",
    "torchaudio": "torchaudio",
    "lightning": "lightning",
    "pytorch_lightning": "pytorch-lightning",
    "sentencepiece": "sentencepiece",
    "fitz": "pymupdf",
}
# Distributions a missing import may be installed as without a person naming them: the module name comes from
# generated code, and a package's install hooks and .pth files run on the host, so no other name is installed.
KNOWN_DISTRIBUTIONS = frozenset(DISTRIBUTIONS.values()) | {
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "seaborn",
    "tqdm",
    "h5py",
    "safetensors",
    "tokenizers",
    "sacrebleu",
    "nltk",
    "networkx",
    "gymnasium",
}
IMPORTS = {
    "nn": "import torch.nn as nn",
    "F": "import torch.nn.functional as F",
    "torch": "import torch",
    "np": "import numpy as np",
    "optim": "import torch.optim as optim",
    "math": "import math",
    "DataLoader": "from torch.utils.data import DataLoader",
    "Dataset": "from torch.utils.data import Dataset",
    "TensorDataset": "from torch.utils.data import TensorDataset",
    "os": "import os",
    "time": "import time",
    "random": "import random",
    "plt": "import matplotlib.pyplot as plt",
    "json": "import json",
}


def _location(a: Analysis):
    return (a.site[1], a.site[0].line) if a.site else None


def _suggest(owner: str, wrong: str, given: str | None) -> str | None:
    if given:
        return given
    pool = TORCH_NAMES.get(owner) or TORCH_NAMES.get(owner.split(".")[-1]) or []
    match = difflib.get_close_matches(wrong, pool, n=1, cutoff=0.7)
    return match[0] if match else None


def _rename_on_sites(a: Analysis, wrong: str, right: str) -> tuple[SourceFile, int, Patch] | None:
    for frame, sf in a.sites:
        stmt = sf.statement_at(frame.line)
        nodes = (
            [n for n in ast.walk(stmt) if isinstance(n, ast.Attribute) and n.attr == wrong] if stmt else []
        )
        if nodes:
            patch = Patch(sf)
            for node in nodes:
                patch.replace_node(node, f"{sf.segment(node.value)}.{right}")
            return sf, frame.line, patch
    return None


@rule("misspelt_api", r"module '([\w.]+)' has no attribute '(\w+)'(?:\. Did you mean: '(\w+)'\?)?")
def misspelt_module_attr(a: Analysis, m) -> Finding | None:
    owner, wrong, given = m[1], m[2], m[3]
    right = _suggest(owner, wrong, given)
    if not right:
        return Finding(
            "misspelt_api",
            f"`{owner}` has no attribute `{wrong}` (removed, renamed, or misspelt); check "
            f"the documentation of your installed version.",
            _location(a),
        )
    found = _rename_on_sites(a, wrong, right)
    text = f"`{owner}.{wrong}` does not exist; you most likely meant `{owner}.{right}`."
    if not found:
        return Finding("misspelt_api", text, _location(a))
    sf, line, patch = found
    return Finding("misspelt_api", text, (sf, line), [Fix(f"Use {owner}.{right}", 0.9, [patch])])


@rule("misspelt_api", r"'(\w+)' object has no attribute '(\w+)'(?:\. Did you mean: '(\w+)'\?)?")
def misspelt_object_attr(a: Analysis, m) -> Finding | None:
    owner, wrong, given = m[1], m[2], m[3]
    if owner == "tuple":
        return None  # a recurrent layer's (output, state); handled by the shapes rules
    right = _suggest(owner, wrong, given)
    if not right:
        return Finding(
            "misspelt_api",
            f"A `{owner}` has no attribute `{wrong}`: check the spelling, and for a model, "
            "that the layer is created in __init__ under that name.",
            _location(a),
        )
    found = _rename_on_sites(a, wrong, right)
    text = f"`{owner}` objects have no `{wrong}`; did you mean `{right}`?"
    if not found:
        return Finding("misspelt_api", text, _location(a))
    sf, line, patch = found
    return Finding("misspelt_api", text, (sf, line), [Fix(f"Use .{right}", 0.9, [patch])])


def _after_imports(sf: SourceFile) -> int:
    """The line before which a new import goes: after the last top-level import (or the docstring)."""
    body = sf.tree.body if sf.tree else []
    last = 0
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            last = stmt.end_lineno
        elif last:
            break
    if not last and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        last = body[0].end_lineno
    return last


@rule("missing_import", r"NameError: name '(\w+)' is not defined")
def missing_name(a: Analysis, m) -> Finding | None:
    name = m[1]
    if not a.site:
        return None
    frame, sf = a.site
    if name in IMPORTS:
        line = _after_imports(sf)
        patch = Patch(sf)
        if line:
            patch.insert_after(line, IMPORTS[name], indent="")
        else:
            patch.insert_before(1, IMPORTS[name])
        return Finding(
            "missing_import",
            f"`{name}` is used in {sf.rel}:{frame.line} but never imported in that file "
            f"(each module needs its own imports).",
            (sf, frame.line),
            [Fix(f"Add `{IMPORTS[name]}`", 0.9, [patch])],
        )
    defined = {n.id for n in sf.walk() if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    defined |= {n.name for n in sf.walk() if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    close = difflib.get_close_matches(name, sorted(defined), n=1, cutoff=0.75)
    if not close:
        return Finding(
            "missing_import",
            f"`{name}` is not defined where {sf.rel}:{frame.line} uses it: define or import it first.",
            (sf, frame.line),
        )
    stmt = sf.statement_at(frame.line)
    patch = Patch(sf)
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and node.id == name:
            patch.replace_node(node, close[0])
    return Finding(
        "misspelt_api",
        f"`{name}` is not defined; did you mean `{close[0]}`?",
        (sf, frame.line),
        [Fix(f"Use {close[0]}", 0.8, [patch])],
    )


@rule("module_not_found", r"No module named '([\w.]+)'")
def module_not_found(a: Analysis, m) -> Finding | None:
    missing = m[1]
    if missing.startswith("torch."):
        right = difflib.get_close_matches(missing, TORCH_MODULES, n=1, cutoff=0.8)
        if right and a.site:
            frame, sf = a.site
            stmt = sf.statement_at(frame.line)
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                line = sf.line(frame.line)
                patch = Patch(sf).replace_lines(
                    frame.line, frame.line, line.replace(missing, right[0]) + "\n"
                )
                return Finding(
                    "misspelt_api",
                    f"There is no module `{missing}`; you meant `{right[0]}`.",
                    (sf, frame.line),
                    [Fix(f"Import {right[0]}", 0.9, [patch])],
                )
    top = missing.split(".")[0]
    dist = DISTRIBUTIONS.get(missing) or DISTRIBUTIONS.get(top) or top
    note = "" if dist == top else f" (the import name `{top}` is published on PyPI as `{dist}`)"
    return Finding(
        "module_not_found",
        f"The package providing `{missing}` is not installed in the environment that "
        f"ran the script{note}. Install it with `pip install {dist}` in that environment (for a sandboxed "
        f"run, add it to the project's requirements).",
        _location(a),
        install={"package": dist, "module": missing, "command": f"pip install {dist}"},
    )


@rule("forward_arguments", r"forward\(\) takes (\d+) positional arguments? but (\d+) (?:were|was) given")
def forward_extra(a: Analysis, m) -> Finding | None:
    takes, given = int(m[1]) - 1, int(m[2]) - 1
    for frame, sf in a.sites:
        for call in sf.nodes_on(frame.line, ast.Call):
            if len(call.args) == given and given > takes and not call.keywords:
                kept = ", ".join(sf.segment(x) for x in call.args[:takes])
                dropped = ", ".join(sf.segment(x) for x in call.args[takes:])
                patch = Patch(sf).replace_node(call, f"{sf.segment(call.func)}({kept})")
                return Finding(
                    "forward_arguments",
                    f"`{sf.segment(call)}` ({sf.rel}:{frame.line}) passes {given} inputs but forward() "
                    f"accepts {takes}; `{dropped}` is not a model input (targets go to the loss, not the "
                    f"model).",
                    (sf, frame.line),
                    [Fix(f"Call the model with {kept} only", 0.85, [patch])],
                )
    return None


@rule("forward_arguments", r"forward\(\) got an unexpected keyword argument '(\w+)'")
def forward_keyword(a: Analysis, m) -> Finding | None:
    wrong = m[1]
    params = set()
    for sf in a.sources.project_files():
        for node in sf.walk():
            if isinstance(node, ast.FunctionDef) and node.name == "forward":
                params |= {x.arg for x in node.args.args[1:]}
    close = difflib.get_close_matches(wrong, sorted(params), n=1, cutoff=0.5)
    for frame, sf in a.sites:
        for call in sf.nodes_on(frame.line, ast.Call):
            kws = [k for k in call.keywords if k.arg == wrong]
            if kws and close:
                kw = kws[0]
                patch = Patch(sf)
                node = ast.Name(id=wrong)
                node.lineno, node.col_offset = kw.lineno, kw.col_offset
                node.end_lineno, node.end_col_offset = kw.lineno, kw.col_offset + len(wrong)
                patch.replace_node(node, close[0])
                return Finding(
                    "forward_arguments",
                    f"forward() has no parameter `{wrong}`; it takes {', '.join(sorted(params))}.",
                    (sf, frame.line),
                    [Fix(f"Pass it as `{close[0]}`", 0.75, [patch])],
                )
    return Finding("forward_arguments", f"forward() has no parameter `{wrong}`.", _location(a))


@rule("module_init", r"cannot assign (?:module|parameter) before Module.__init__\(\) call")
def super_init(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        fn = sf.function_at(frame.line)
        if fn is None or fn.name != "__init__":
            continue
        body = fn.body
        first = (
            body[1]
            if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            else body[0]
        )
        patch = Patch(sf)
        supers = [
            s
            for s in body
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and call_name(s.value) == "__init__"
        ]
        if supers:
            patch.replace_lines(supers[0].lineno, supers[0].end_lineno, "")
            text = sf.segment(supers[0])
        else:
            text = "super().__init__()"
        patch.insert_before(first.lineno, text)
        return Finding(
            "module_init",
            f"{fn.name}() in {sf.rel} assigns layers before calling the parent "
            "constructor; nn.Module must be initialised first so it can register them.",
            (sf, fn.lineno),
            [Fix("Call super().__init__() first", 0.95, [patch])],
        )
    return None


@rule("loss_not_instantiated", r"Boolean value of Tensor with more than one value is ambiguous")
def loss_class(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        for call in sf.nodes_on(frame.line, ast.Call):
            name = call_name(call)
            if name.endswith("Loss") and name[:1].isupper() and call.args:
                args = ", ".join(sf.segment(x) for x in [*call.args, *call.keywords])
                patch = Patch(sf).replace_node(call, f"{sf.segment(call.func)}()({args})")
                return Finding(
                    "loss_not_instantiated",
                    f"`{sf.segment(call)}` ({sf.rel}:{frame.line}) passes the tensors to the loss class's "
                    f"constructor (as its options). Create the loss first, then call it: "
                    f"`{name}()(input, target)`.",
                    (sf, frame.line),
                    [Fix(f"Instantiate {name} before calling it", 0.9, [patch])],
                )
    return None


@rule("misspelt_api", r"must be Tensor, not (builtin_function_or_method|function|type|method|module)")
def builtin_instead_of_tensor(a: Analysis, m) -> Finding | None:
    """``model(input)`` where the data is ``inputs``: a Python builtin shadows the intended variable."""
    import builtins

    for frame, sf in reversed(a.sites):
        stmt = sf.statement_at(frame.line)
        if stmt is None:
            continue
        defined = {n.id for n in sf.walk() if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        defined |= {x.arg for n in sf.walk() if isinstance(n, ast.FunctionDef) for x in n.args.args}
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in defined
                and hasattr(builtins, node.id)
            ):
                close = difflib.get_close_matches(node.id, sorted(defined), n=1, cutoff=0.7)
                if close:
                    patch = Patch(sf).replace_node(node, close[0])
                    return Finding(
                        "misspelt_api",
                        f"`{node.id}` on {sf.rel}:{frame.line} is Python's built-in "
                        f"{node.id}(), not your data (a {m[1]} reached a tensor argument); you most "
                        f"likely meant `{close[0]}`.",
                        (sf, frame.line),
                        [Fix(f"Use {close[0]}", 0.85, [patch])],
                    )
    return None


def _forward_arities(a: Analysis) -> set[int]:
    """Positional parameter counts (without self) of the forward() methods in the project."""
    return {
        len(n.args.args) - 1
        for sf in a.sources.project_files()
        for n in sf.walk()
        if isinstance(n, ast.FunctionDef) and n.name == "forward"
    }


@rule("forward_arguments", r"forward\(\) missing (\d+) required positional arguments?: (.+)$")
def forward_missing(a: Analysis, m) -> Finding | None:
    """``model(x)`` where forward() also needs ``mask``: pass the variable of that name when the caller has one."""
    import re

    missing = re.findall(r"'(\w+)'", m[2])
    for frame, sf in reversed(a.sites):
        scope = sf.function_at(frame.line) or sf.tree
        known = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        known |= {
            n.id
            for n in sf.walk()
            if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)
            and sf.enclosing(n, (ast.FunctionDef,)) is None
        }
        if not set(missing) <= known:
            continue
        for call in sf.nodes_on(frame.line, ast.Call):
            if call.args and not call.keywords and len(call.args) + len(missing) in _forward_arities(a):
                args = ", ".join([*(sf.segment(x) for x in call.args), *missing])
                patch = Patch(sf).replace_node(call, f"{sf.segment(call.func)}({args})")
                return Finding(
                    "forward_arguments",
                    f"forward() also needs {', '.join(missing)}, which "
                    f"`{sf.segment(call)}` ({sf.rel}:{frame.line}) does not pass; the caller has a "
                    f"variable of that name.",
                    (sf, frame.line),
                    [Fix(f"Pass {', '.join(missing)} to the model", 0.75, [patch])],
                )
    return Finding(
        "forward_arguments",
        f"forward() needs {m[2]}, which the call does not pass.",
        (a.site[1], a.site[0].line) if a.site else None,
    )
