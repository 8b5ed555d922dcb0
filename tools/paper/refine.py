"""Optional LLM refinement: a brain proposes values for keys the rules did not find.

Protocol (implemented by the agent's brains): ``brain.complete(system: str, prompt: str) -> str``.
The brain answers a JSON list ``[{"key", "value", "page", "quote"}]``. A
proposal is kept as ``source: paper`` only when its quote occurs verbatim on its
page and, for a number, the number is in the quote; otherwise it is kept as
``source: inferred`` with the reason in ``rule``. A key the rules already cited
is never overwritten, and unknown keys are dropped.
"""

from __future__ import annotations

import json
import re

from mlintern.tools.paper.document import Document
from mlintern.tools.paper.text import NUMBER_RE, as_json_number, parse_number

CANONICAL = set(
    "num_layers num_encoder_layers num_decoder_layers d_model num_heads d_head d_ff dropout attention_dropout "
    "activation norm norm_position vocab_size context_length image_size patch_size in_channels num_classes "
    "growth_rate width_multiplier kernel_size num_params optimizer learning_rate lr_schedule warmup_steps "
    "warmup_epochs batch_size batch_tokens train_steps epochs weight_decay momentum adam_beta1 adam_beta2 adam_eps "
    "label_smoothing grad_clip init_std stochastic_depth".split()
)
SYSTEM = (
    "You extract training hyperparameters from a research paper. Answer only with a JSON list of objects "
    '{"key", "value", "page", "quote"}, using only the keys asked for. The quote must be copied '
    "verbatim from that page. Leave out anything the paper does not state; never guess."
)
MAX_PROMPT_CHARS = 60000


def _prompt(spec: dict, document: Document) -> str:
    wanted = [k for k in spec["missing"] if k in CANONICAL]
    pages = []
    budget = MAX_PROMPT_CHARS
    for page in document.body_pages():
        chunk = f"=== page {page.number} ===\n{page.text}\n"
        if len(chunk) > budget:
            break
        pages.append(chunk)
        budget -= len(chunk)
    return f"Keys to find: {', '.join(wanted)}\n\n" + "".join(pages)


def _number_in(quote: str, value) -> bool:
    if not isinstance(value, (int, float)):
        return True
    return any(
        (x := parse_number(m.group(0))) is not None and abs(x - value) <= 1e-9 + 0.01 * abs(value)
        for m in NUMBER_RE.finditer(quote)
    )


def refine_spec(spec: dict, document: Document, brain) -> int:
    """Add brain proposals to ``spec['hyperparameters']``; returns how many were added."""
    if not [k for k in spec["missing"] if k in CANONICAL]:
        return 0
    try:
        answer = brain.complete(SYSTEM, _prompt(spec, document))
        match = re.search(r"\[.*\]", answer, re.S)
        proposals = json.loads(match.group(0)) if match else []
    except Exception as err:  # a brain failing (offline, quota, bad JSON) must not lose the rule-based spec
        spec["warnings"].append(
            f"LLM refinement failed ({err.__class__.__name__}: {err}); the spec is rule-based."
        )
        return 0
    added = 0
    hp = spec["hyperparameters"]
    for p in proposals if isinstance(proposals, list) else []:
        if not isinstance(p, dict):
            continue
        key, value, page, quote = p.get("key"), p.get("value"), p.get("page"), p.get("quote")
        if (
            key not in CANONICAL
            or key in hp
            or not isinstance(value, (int, float, str, list))
            or isinstance(value, bool)
        ):
            continue
        if isinstance(value, (int, float)):
            value = as_json_number(float(value))
        ok = (
            isinstance(page, int)
            and isinstance(quote, str)
            and document.verify(page, quote)
            and _number_in(quote, value)
        )
        if ok:
            hp[key] = {
                "value": value,
                "page": page,
                "quote": quote,
                "source": "paper",
                "rule": "proposed by the LLM brain; quote verified on the page",
            }
        else:
            hp[key] = {
                "value": value,
                "page": page if isinstance(page, int) and page >= 1 else None,
                "quote": quote if isinstance(quote, str) else None,
                "source": "inferred",
                "rule": "proposed by the LLM brain; its quote was not found verbatim on the cited page",
            }
        added += 1
    spec["missing"] = [k for k in spec["missing"] if k not in hp]
    return added
