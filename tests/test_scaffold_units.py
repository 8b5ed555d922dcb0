"""Pure pieces of scaffold-model: template blocks, value resolution, citations."""

from __future__ import annotations

from mlintern.tools.scaffold import facts as F
from mlintern.tools.scaffold.fields import DERIVE, Field, pilot, resolve
from mlintern.tools.scaffold.render import drop_unused_imports, select_task

TEXT = """a
# [task=gan]
b
# [/task]
# [task!=gan]
c
# [task=lm,mlm]
d
# [/task]
# [/task]
e
"""


def test_task_blocks_keep_only_what_applies():
    assert select_task(TEXT, "gan") == "a\nb\ne\n"
    assert select_task(TEXT, "mlm") == "a\nc\nd\ne\n"
    assert select_task(TEXT, "classify") == "a\nc\ne\n"


def test_unused_shared_imports_are_dropped():
    head = "import math\nimport torch.nn.functional as F\n"
    assert drop_unused_imports(head + "x = F.relu\n") == "import torch.nn.functional as F\nx = F.relu\n"
    assert drop_unused_imports(head + "# F.relu in a comment only\n") == "# F.relu in a comment only\n"


def test_stated_values_win_and_unfit_ones_fall_back_with_a_note():
    fields = (
        Field("d_model", 512, "convention", kind=int, pilot=64),
        Field("d_ff", lambda v: 4 * v["d_model"], "4 * d_model", kind=int, pilot=DERIVE),
        Field("widths", [1, 2], "table", kind=list),
    )
    spec = {
        "d_model": {"value": 768.0, "page": 3, "quote": "768", "source": "paper"},
        "widths": {"value": 7, "page": 1, "quote": "7", "source": "paper"},
    }
    notes: list[str] = []
    out = resolve(fields, spec, notes)
    assert out["d_model"] == {"value": 768, "page": 3, "quote": "768", "source": "paper"}
    assert out["d_ff"] == {"value": 3072, "source": "default", "reason": "4 * d_model"}
    assert out["widths"]["source"] == "default" and "widths = 7 does not fit" in notes[0]
    assert pilot(fields, {k: f["value"] for k, f in out.items()}) == {
        "d_model": 64,
        "d_ff": 256,
        "widths": [1, 2],
    }


def test_citations_are_one_line_and_honest():
    fact = {"value": 8, "page": 5, "quote": "h = 8\nheads", "source": "paper"}
    assert F.describe(fact) == 'p.5: "h = 8 heads"'
    assert F.describe(F.default(0.1, "usual rate")) == "mlintern default: usual rate"
    sections = [
        {"title": "Intro", "page": 1},
        {"title": "Model", "page": 3},
        {"title": "Training", "page": 5},
    ]
    assert F.section_at(sections, 4) == "Model"
    assert F.section_at(sections, 5) is None  # a section starts there: the quote could be in either
    assert '"""' not in F.doc_safe('a """ b \\ c')
