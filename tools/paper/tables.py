"""Tables read from word positions: rows, header columns, and the variant rows in them.

Most papers draw tables without rules, so rows come from words that share a
line and columns from the x positions of the most complete row; a header
word belongs to the column under which it sits. A header maps to a canonical
key through ``HEADER_KEYS``. A row is a *variant* (base/big, ViT-B/L/H, 7B)
when its label is a model name, not an ablation marker such as "(A)", and it
fills at least two canonical columns. A value from a row cites the row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from mlintern.tools.paper.document import Document, Line, Page, Word
from mlintern.tools.paper.grammar import read_items
from mlintern.tools.paper.text import NUMBER, NUMBER_RE, as_json_number, parse_number
from mlintern.tools.paper.vocab import caption_symbols, is_keep_probability, label_key

# header text (lowercase, letters and digits only) -> canonical key; first match wins
HEADER_KEYS: list[tuple[str, str]] = [
    (r"^(?:#|n)?params?\.?|^parameters|^#param", "num_params"),
    (r"^attention dropout|^attn dropout", "attention_dropout"),
    (r"^warm ?up (?:steps|updates|iterations)", "warmup_steps"),
    (r"^attention head size|^head size", "d_head"),
    (r"^ffn|^feed ?forward|^intermediate|^inner", "d_ff"),
    (r"^(?:n\s?)?layers$|^depth$|^n$|^l$|^#layers$|^num layers$", "num_layers"),
    (r"^hidden size|^dmodel$|^d model$|^dimension$|^width$|^d$|^embed(?:ding)? dim|^hidden dim", "d_model"),
    (r"^mlp size|^dff$|^d ff$|^ffn|^feed ?forward|^intermediate", "d_ff"),
    (r"^(?:n\s?)?heads$|^h$|^#heads$|^attention heads$|^num heads$", "num_heads"),
    (r"^dk$|^d head$|^head dim", "d_head"),
    (r"^p ?drop$|^dropout", "dropout"),
    (r"^[ϵε]\s?ls$|^label smoothing", "label_smoothing"),
    (r"^(?:train(?:ing)? )?steps|^train steps|^iterations$", "train_steps"),
    (r"^(?:base |peak |max )?(?:learning rate|lr)$", "learning_rate"),
    (r"^lr decay$|^lr schedule$|^schedule$", "lr_schedule"),
    (r"^batch(?: size)?$", "batch_size"),
    (r"^epochs?$", "epochs"),
    (r"^weight decay$|^wd$", "weight_decay"),
    (r"^patch(?: size)?$", "patch_size"),
    (r"^image size|^resolution$|^input size|^img size", "image_size"),
    (r"^growth rate$|^k$", "growth_rate"),
]
_HEADER_RES = [(re.compile(rx), key) for rx, key in HEADER_KEYS]
_SCHEDULES = {"linear", "cosine", "constant", "step", "exponential", "polynomial"}
_NOT_NAMES = re.compile(r"^(?:total|average|mean|ours|avg|sum|model|method|none|all)$", re.I)
# a model name: one word ("gMLP-Ti", "B1g2"), a name and a size word ("GLM Base", "ConvNeXt V2-N"), or a size ("7B")
_LABEL_RE = re.compile(
    r"^(?![(\[])[A-Za-z][\w\-./{},+∗*]*(?: [A-Z0-9][\w\-./+]*| [a-z]+\d*)?$|^\d+(?:\.\d+)? ?[BMK]$"
)
SIZE_LABEL = re.compile(r"^(\d+(?:\.\d+)?) ?([BMK])$")
_STAGE_LIST = re.compile(
    r"^\d+(?:\.\d+)?(?:\s?,\s?\d+(?:\.\d+)?){1,7}$"
)  # "1, 2, 4, 14, 1": one value per stage


@dataclass
class Cell:
    x0: float
    x1: float
    text: str

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Row:
    page: int
    y: float
    cells: list[Cell]

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


@dataclass
class Table:
    page: int
    caption: str
    header: list[str]  # one entry per column, "" when unknown
    keys: list[str | None]
    rows: list[Row] = field(default_factory=list)
    columns: list[tuple[float, float]] = field(default_factory=list)  # x extent of each column


# two values set closely ("72.4% 91.0%", "0.888 (-13%) 72.4%") are two cells, whatever the gap between them
_VALUE = re.compile(r"^[+\-−]?\d+(?:\.\d+)?[%MBKG]?$")
_ENDS_VALUE = re.compile(r"(?:^|\s)(?:[+\-−]?\d+(?:\.\d+)?[%MBKG]?|\([+\-−]?\d+(?:\.\d+)?%?\))$")


def _cells(words: list[Word], gap: float = 4.5) -> list[Cell]:
    cells: list[Cell] = []
    for w in words:
        if re.fullmatch(r"\[\d+(?:,\s?\d+)*\]", w.text):
            continue  # a citation next to a model name is not a cell
        if (
            cells
            and w.x0 - cells[-1].x1 < gap
            and not (_VALUE.match(w.text) and _ENDS_VALUE.search(cells[-1].text))
        ):
            cells[-1] = Cell(cells[-1].x0, w.x1, cells[-1].text + " " + w.text)
        else:
            cells.append(Cell(w.x0, w.x1, w.text))
    return cells


def _lines(page: Page, words: list[Word] | None = None) -> list[Line]:
    """Rows by vertical overlap; a raised power of ten (the "10−4" of "8 · 10−4") rejoins its mantissa. A page's
    own rows are computed once (the table readers share them; none of them changes a row)."""
    if words is None:
        if "_table_lines" not in page.__dict__:
            page.__dict__["_table_lines"] = _page_lines(page, page.words)
        return page.__dict__["_table_lines"]
    return _page_lines(page, words)


def _page_lines(page: Page, words: list[Word]) -> list[Line]:
    powers = [w for w in words if _POWER.match(w.text)]
    rows: list[tuple[float, float, list[Word]]] = []
    for w in sorted((w for w in words if not _POWER.match(w.text)), key=lambda w: (w.y0 + w.y1) / 2):
        h = max(w.y1 - w.y0, 0.1)
        best, best_ov = None, 0.0
        for i in range(max(0, len(rows) - 4), len(rows)):
            a, b, _ = rows[i]
            ov = (min(b, w.y1) - max(a, w.y0)) / min(h, b - a or 0.1)
            if ov > best_ov:
                best, best_ov = i, ov
        if best is not None and best_ov >= 0.5:
            rows[best][2].append(w)
        else:
            rows.append((w.y0, w.y1, [w]))
    lines = [Line((a + b) / 2, sorted(ws, key=lambda w: w.x0)) for a, b, ws in rows]
    for w in powers:
        yc = (w.y0 + w.y1) / 2
        hosts = [
            ln
            for ln in lines
            if abs(ln.y - yc) < 12
            and any(
                v.text in "·×⋅"
                and 0 <= w.x0 - v.x1 < 8
                and not any(0 <= u.x0 - v.x1 < 30 for u in ln.words if u is not v)
                for v in ln.words
            )
        ]
        if not hosts:  # a value written as a bare power ("ϵ | 10−6") set a little off its row's baseline
            hosts = [
                ln
                for ln in lines
                if abs(ln.y - yc) < 3 and not any(v.x0 < w.x1 and w.x0 < v.x1 for v in ln.words)
            ]
        host = min(hosts, key=lambda ln: abs(ln.y - yc)) if hosts else None
        if host is None:
            lines.append(Line(yc, [w]))
        else:
            host.words.append(w)
            host.words.sort(key=lambda v: v.x0)
    lines.sort(key=lambda ln: ln.y)
    return lines


_POWER = re.compile(r"^10[−-]\d{1,2}$")


def _is_number(text: str) -> bool:
    t = text.replace("²", "").strip()
    # "70.7%", "0.888 (-13%)", "23.29(0.85)": a result with its unit or its change next to it
    t = re.sub(r"(?<=\d)\s?%$|(?<=\d)\s?\([+\-−]?\d+(?:\.\d+)?%?\)$", "", t)
    return (
        parse_number(t) is not None
        or bool(re.fullmatch(r"[\d.]+(?:/[\d.]+)+", t))
        or bool(_STAGE_LIST.match(t))
    )


def _data_row(cells: list[Cell]) -> bool:
    numeric = sum(1 for c in cells[1:] if _is_number(c.text))
    missing = sum(
        1 for c in cells[1:] if c.text.strip() in ("-", "–", "—")
    )  # a value the table does not give
    return len(cells) >= 3 and numeric >= 2 and numeric + missing >= 0.6 * (len(cells) - 1)


def header_key(text: str) -> str | None:
    t = re.sub(r"\(.*?\)|×10\d+|\[.*?\]", "", text.lower())
    t = re.sub(r"[^a-z0-9ϵε# ]+", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    for rx, key in _HEADER_RES:
        if rx.search(t):
            return key
    return label_key(text)


def _scale(header: str) -> float:
    m = re.search(r"×\s?10\s?(\d)", header)
    if m:
        return 10.0 ** int(m.group(1))
    if re.search(r"\((?:in )?m(?:illions?)?\)|\bm$", header.lower()):
        return 1e6
    return 1.0


def page_tables(document: Document, page: Page) -> list[Table]:
    """Tables on one page: runs of numeric rows with the header above them (keys where a header names one).

    On a two-column page two tables may sit side by side (one per column) and share text lines; each column
    is then read on its own too, and a column's table with canonical headers is kept where no full-width
    table with canonical headers covers the same rows."""
    mid = page.width / 2 if page.width and page.two_column else 1e9
    captions = [c.text for c in document.captions if c.page == page.number and c.kind == "table"]
    caption = captions[0] if captions else ""
    lines = _lines(page)
    tables = _find_tables(page, lines, mid, caption)
    if mid < 1e9 and captions:
        keyed = [(t.rows[0].y, t.rows[-1].y) for t in tables if any(t.keys) or transposable(t)]
        for side, keep in enumerate((lambda w: w.x1 <= mid + 2, lambda w: w.x0 >= mid - 2)):
            half = [Line(ln.y, ws) for ln in lines if (ws := [w for w in ln.words if keep(w)])]
            for t in _find_tables(page, half, 1e9, captions[min(side, len(captions) - 1)]):
                if (any(t.keys) or transposable(t)) and not any(
                    a - 5 <= t.rows[-1].y and t.rows[0].y <= b + 5 for a, b in keyed
                ):
                    tables.append(t)
    return tables


def _find_tables(page: Page, lines: list[Line], mid: float, caption: str) -> list[Table]:
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        cells = _cells(_column_words(lines[i].words, mid))
        if not _data_row(cells):
            i += 1
            continue
        run = [(lines[i], cells)]
        j = i + 1
        while j < len(lines) and lines[j].y - run[-1][0].y < 30:
            c = _cells(_column_words(lines[j].words, mid))
            if not c or (run[0][1][0].x1 < mid and c[0].x0 >= mid - 10):  # only the other column's prose
                j += 1
                continue
            if (
                _data_row(c)
                or (len(c) <= 3 and all(_is_number(x.text) or x.text.startswith("(") for x in c))
                or (
                    len(c) == len(run[0][1])
                    and (label_key(c[0].text, allow_symbols=False) or warmup_fact(c[0].text, c[1].text))
                )
            ):  # "LR schedule Cosine Cosine", "Warm-up 10K steps None"
                run.append((lines[j], c))
                j += 1
            else:
                break
        table = _build(page, lines, i, run, caption)
        if table is not None:
            _continue_header(tables, table)
            tables.append(table)
        i = j
    return tables


def _continue_header(tables: list[Table], table: Table) -> None:
    """A block of rows below a group separator ("Hybrid models", a rule) continues the table above it: with no
    header of its own and the same columns, it takes that table's header."""
    if any(re.search(r"[A-Za-z]{2}", h) for h in table.header) or not tables:
        return  # a header of its own ("•  384²" is a stray row fragment, not a header)
    prev = tables[-1]
    if len(prev.columns) != len(table.columns) or not any(prev.keys):
        return
    if all(
        abs((a0 + a1) / 2 - (b0 + b1) / 2) < 15
        for (a0, a1), (b0, b1) in zip(prev.columns[1:], table.columns[1:], strict=True)
    ):
        table.header, table.keys = list(prev.header), list(prev.keys)


def _column_words(words: list[Word], mid: float) -> list[Word]:
    """Drop the other column's prose from a row of a table set in the left column of a two-column page."""
    if (
        words
        and words[0].x1 < mid
        and any(w.x0 >= mid - 2 and re.fullmatch(r"[A-Za-z]{3,}[,.]?|[a-z]{2}", w.text) for w in words)
    ):
        return [w for w in words if w.x0 < mid - 2]
    return words


def _build(page: Page, lines: list[Line], first: int, run: list, caption: str) -> Table | None:
    # the columns of the fullest row among those starting at the table's usual left edge (a row with stray
    # footnote marks in the margin must not add columns)
    ref = max((_without_marks(r[1]) for r in run), key=len)
    columns = [(c.x0, c.x1) for c in ref]
    header_words: list[list[str]] = [[] for _ in columns]
    top = run[0][0].y
    left, right = columns[0][0] - 25, columns[-1][1] + 25
    for k in range(first - 1, max(-1, first - 5), -1):
        # not the other column's prose: words of cells that start within the table (a header may run past it)
        kept = [c for c in _cells(lines[k].words) if left <= c.x0 <= right]
        words = [w for w in lines[k].words if any(c.x0 <= w.x0 and w.x1 <= c.x1 for c in kept)]
        text = " ".join(w.text for w in words)
        prose = any(
            sum(1 for t in c.text.split() if re.fullmatch(r"[a-z]{2,}[,.;]?", t)) >= 4 for c in _cells(words)
        )
        if (
            top - lines[k].y > 40
            or prose
            or _data_row(_cells(words))
            or re.match(r"(?:Table|Figure)\s*\d", text)
        ):
            break
        if len(_cells(words)) == 1 and len(words) >= 2:
            if k == first - 1:
                continue  # a group label over the rows ("ImageNet-1K trained models"), not a header
            break  # a running head or a title above the table
        above: list[list[str]] = [[] for _ in columns]
        for cell in _cells(words):
            # a header cell over one column belongs to it whole ("Survival Prob" over a narrow column of numbers);
            # one spanning several columns is split into its words
            starts = [
                i for i, (a, b) in enumerate(columns) if a - 3 <= cell.x0 <= b + 3 or cell.x0 <= a <= cell.x1
            ]
            if len(starts) == 1 and (
                starts[0] + 1 == len(columns) or cell.x1 < columns[starts[0] + 1][0] - 2
            ):
                above[starts[0]].append(cell.text)
                continue
            for w in (w for w in words if cell.x0 <= w.x0 and w.x1 <= cell.x1):
                col = _column_of(columns, (w.x0 + w.x1) / 2, loose=True)
                if col is not None:
                    above[col].append(w.text)
        header_words = [a + h for a, h in zip(above, header_words, strict=True)]
    header = [" ".join(ws) for ws in header_words]
    defined = caption_symbols(caption)  # "defined by multipliers a and b": the header "a" is a multiplier
    keys = [(defined.get(h.strip()) or header_key(h)) if h else None for h in header]
    if len(run) < 2 and sum(1 for k in keys[1:] if k) < 2:
        return None  # one numeric line under no known header is not a table
    table = Table(page.number, caption, header, keys, columns=columns)
    for line, cells in run:
        table.rows.append(Row(page.number, line.y, cells))
    return table


def _without_marks(cells: list[Cell]) -> list[Cell]:
    """A row without the single-digit marks set in the margin before its label ("1 2 7 B 32 4096")."""
    i = 0
    while i < len(cells) - 2 and re.fullmatch(r"\d", cells[i].text):
        i += 1
    return cells[i:] if i and (SIZE_LABEL.match(cells[i].text) or not _is_number(cells[i].text)) else cells


def _column_of(columns: list[tuple[float, float]], xc: float, loose: bool = False) -> int | None:
    best, dist = None, math.inf
    for i, (a, b) in enumerate(columns):
        d = 0.0 if a - 3 <= xc <= b + 3 else min(abs(xc - a), abs(xc - b))
        if d < dist:
            best, dist = i, d
    return best if dist <= (25 if loose else 12) else None


@dataclass
class VariantRow:
    name: str
    page: int
    quote: str
    facts: dict[str, object]
    config_table: bool  # the table has architecture/training columns beyond size and resolution
    quotes: dict[str, str] = field(default_factory=dict)  # per-key quote when facts come from different rows


def variant_rows(document: Document, table: Table) -> list[VariantRow]:
    """Rows of a table whose label is a model name, with their canonical values."""
    out: list[VariantRow] = transposed_rows(document, table)
    if out:
        return out
    if not any(table.keys[1:]):
        return out  # a results table: no canonical columns to read
    columns = table.columns or [(c.x0, c.x1) for c in max((r.cells for r in table.rows), key=len)]
    first_key = table.keys[0]
    # with one canonical column (a results table's "Params (M)") rows only add to variants found elsewhere
    config = sum(1 for k in table.keys[1:] if k) >= 2 and any(
        k not in (None, "num_params", "image_size") for k in table.keys[1:]
    )
    for row in table.rows:
        cells = [c for c in row.cells if c.x1 >= columns[0][0] - 3]  # stray marks left of the label column
        if len(cells) < 2:
            continue
        lead = 0  # a group label before the model name ("Baseline models  Net-S12  16 ..."): the name is the label
        while (
            lead + 1 < len(cells)
            and _group_label(cells[lead].text)
            and not _is_number(cells[lead + 1].text)
            and _LABEL_RE.match(variant_label(cells[lead + 1].text))
            and _column_of(columns, cells[lead + 1].xc) in (None, 0, 1)
            and (table.keys[1] if len(table.keys) > 1 else None) is None
        ):
            lead += 1
        label = variant_label(cells[lead].text)
        if (
            not _LABEL_RE.match(label)
            or _NOT_NAMES.match(label)
            or re.match(r"[a-z]+\s", label)  # "with Dropout": a row that modifies the model above it
            or _is_number(label)
            and not SIZE_LABEL.match(label)
        ):
            continue
        facts: dict[str, object] = {}
        for cell in cells[lead + 1 :]:
            if not _is_number(cell.text) and re.search(r"[a-z]{3}", cell.text):
                for key, value in read_items(
                    cell.text
                ).items():  # a prose cell: "12 layers, working dimension 384"
                    facts.setdefault(key, value)
                continue
            col = _column_of(columns, cell.xc)
            if col is None or col <= lead:
                continue
            key = table.keys[col]
            header = table.header[col]
            if key == "num_params" and _scale(header) == 1 and _params_in_millions(document):
                header += " (M)"  # "Params" under a table of a paper whose other tables say "Params (M)"
            value = _cell_value(key, cell.text, header)
            if key and value is not None and key not in facts:  # the first column of a key ("a" before "b")
                facts[key] = value
        if first_key == "num_params" and SIZE_LABEL.match(label):
            facts["num_params"] = as_json_number(parse_number(label))
        if len(facts) < 2 and not (facts and not config):
            continue
        quote = " ".join(c.text for c in cells)
        if not document.verify(row.page, quote):
            quote = _verified_prefix(document, Row(row.page, row.y, cells))
            if quote is None:
                continue
        out.append(VariantRow(label, row.page, quote, facts, config))
    return out


def _params_in_millions(document: Document) -> bool:
    """The paper counts parameters in millions in a table header ("Params (M)", "#Param. (M)")."""
    if "params_in_millions" not in document.cache:
        text = "\n".join(p.text for p in document.body_pages())
        document.cache["params_in_millions"] = bool(
            re.search(r"#?\s?Param(?:eter)?s?\.?\s?\((?:M|millions?|in millions)\)", text, re.I)
        )
    return document.cache["params_in_millions"]


def _group_label(text: str) -> bool:
    """A row's group or ablation label ("Baseline models", "Normalization"), not a model name ("Net-B/16")."""
    t = variant_label(text)
    return bool(re.search(r"\s[a-z]{3,}", t) or re.fullmatch(r"[A-Z]?[a-z]+", t))


def variant_label(text: str) -> str:
    """A row or column label as a variant name: bullets dropped, "169 M" -> "169M" (sizes written one way)."""
    label = text.strip().lstrip("•◦·∙⋄★☆▲△▪◆◇♦ ").strip().rstrip("*†‡∗ ")
    m = SIZE_LABEL.match(label)
    return f"{m.group(1)}{m.group(2)}" if m else label


def transposed_rows(document: Document, table: Table) -> list[VariantRow]:
    """A table whose *columns* are the configurations ("Hyperparameters | Base | Large", then rows "Hidden size
    768 1024", "Number of layers 12 24"): read when at least two rows are labelled by canonical keys and the
    header names a model over each value column. Each fact cites its own row."""
    if len(table.header) < 2 or any(table.keys[1:]):
        return []
    header, rows = table.header, table.rows
    if (
        not any(h.strip() for h in header[1:])
        and rows
        and not label_key(rows[0].cells[0].text, allow_symbols=False)
    ):
        # the header row was read as data because its names are sizes ("Hyperparameters 1.3B 2.7B 6.7B")
        first = rows[0]
        header = [first.cells[0].text] + [""] * (len(table.columns) - 1)
        for cell in first.cells[1:]:
            col = _column_of(table.columns, cell.xc)
            if col:
                header[col] = cell.text
        rows = rows[1:]
    names = [variant_label(h) for h in header[1:]]
    if not all(names) or not all(_LABEL_RE.match(n) and not _NOT_NAMES.match(n) for n in names):
        return []
    if len(set(names)) < len(names) or any(label_key(n) or n.lower() in _SCHEDULES for n in names):
        return []  # a row of values ("Cosine Cosine Cosine") or of keys, not a row of model names
    if any(_RUN_NAME.match(n) for n in names):
        return []  # columns of training runs ("Pre-training | Fine-tuning"): a settings table, read elsewhere
    columns = table.columns
    by_name: dict[str, VariantRow] = {}
    keyed = 0
    for row in rows:
        key = label_key(row.cells[0].text, allow_symbols=False)
        if key is None:
            continue
        keyed += 1
        quote = row.text
        if not document.verify(row.page, quote):
            continue
        for cell in row.cells[1:]:
            col = _column_of(columns, cell.xc)
            if col is None or col == 0:
                continue
            value = _cell_value(key, cell.text, row.cells[0].text)
            if value is None:
                continue
            name = names[col - 1]
            vr = by_name.setdefault(name, VariantRow(name, row.page, quote, {}, True))
            vr.facts.setdefault(key, value)
            vr.quotes.setdefault(key, quote)
    if keyed < 2:
        return []
    return [vr for vr in by_name.values() if len(vr.facts) >= 2]


# a column named after a training stage, not a model
_RUN_NAME = re.compile(
    r"^(?:pre-?\s?train(?:ing|ed)?|fine-?\s?tun(?:ing|ed)|transfer|linear prob(?:e|ing))$", re.I
)
# training keys a settings table states in one row each ("Peak learning rate 3e-3 5e-5 1e-3")
_SETTING_KEYS = frozenset(
    {"learning_rate", "epochs", "batch_size", "weight_decay", "label_smoothing", "grad_clip", "momentum"}
)
# a caption announcing the training settings: "Hyperparameters used in ...", "Training settings", "Training details"
_SETTINGS_CAPTION = re.compile(
    r"\bhyper-?\s?parameters?\b|\b(?:training|optimi[sz]ation) (?:settings|details|setup)\b", re.I
)


def setting_rows(document: Document, table: Table) -> dict[str, tuple[object, str]]:
    """A settings table whose rows are keys and whose columns are regimes ("Hyperparameter | ImageNet pre-training |
    fine-tuning | ..."): the first value column is the main (pre-)training run; ``{key: (value, quote)}``.
    Only rows labelled by a training key; a cell holding one value per model size ("0.2/0.3") gives nothing."""
    if not _SETTINGS_CAPTION.search(table.caption) or _PER_TASK_CAPTION.search(table.caption):
        return {}  # one column per downstream task: no column is the main run
    out: dict[str, tuple[object, str]] = {}
    for row in table.rows:
        if len(row.cells) < 2:
            continue
        warm = warmup_fact(row.cells[0].text, row.cells[1].text)
        key = warm[0] if warm else label_key(row.cells[0].text, allow_symbols=False)
        if (key not in _SETTING_KEYS and not warm) or key in out:
            continue
        value = warm[1] if warm else _cell_value(key, row.cells[1].text, row.cells[0].text)
        if value is None or not document.verify(row.page, row.text):
            continue
        out[key] = (value, row.text)
    return out


def _verified_prefix(document: Document, row: Row) -> str | None:
    cells = [c.text for c in row.cells]
    for n in range(len(cells) - 1, 1, -1):
        q = " ".join(cells[:n])
        if document.verify(row.page, q):
            return q
    return None


def _cell_value(key: str | None, text: str, header: str):
    if key is None:
        return None
    t = text.strip().rstrip("*†‡∗")
    if _STAGE_LIST.match(t):  # "1, 2, 4, 14, 1": per-stage depths or widths
        if key not in ("num_layers", "d_model", "num_heads", "d_ff"):
            return None
        xs = [parse_number(x) for x in t.split(",")]
        return [as_json_number(x) for x in xs] if all(x is not None and x == int(x) for x in xs) else None
    if key == "lr_schedule":
        return t.lower() if t.lower() in _SCHEDULES else None
    if key == "image_size":
        t = t.replace("²", "")
        if re.fullmatch(r"\d{3,4}2", t) and int(t[:-1]) % 16 == 0:
            t = t[:-1]
    if "/" in t and key not in ("patch_size",):
        return None  # "7/14": two regimes in one cell; not one value
    x = parse_number(t)
    if x is None:
        return None
    if key in ("train_steps", "warmup_steps", "batch_tokens") and not re.search(r"[kKMBT]$", t):
        x = round(x * _scale(header), 6)  # "Updates (×10^5)": the header states the unit
        if x != int(x):
            return None
    if key == "num_params":
        if not re.search(r"[kKMBT]$|million|billion", t):
            x *= _scale(header)
        if x < 1000:
            return None
    if key == "batch_size" and x >= 1e5:
        return None
    if key in ("dropout", "stochastic_depth", "attention_dropout"):
        if is_keep_probability(header):
            x = round(1 - x, 6)  # a survival / keep probability becomes the drop probability
        if not 0 <= x < 1:
            return None
    if key in ("num_layers", "num_heads", "d_model", "d_ff", "d_head") and (x != int(x) or x < 1):
        return None
    return as_json_number(x)


def transposable(table: Table) -> bool:
    """At least two rows labelled by canonical keys: the configurations are the columns."""
    return sum(1 for r in table.rows if r.cells and label_key(r.cells[0].text, allow_symbols=False)) >= 2


# ---------------------------------------------------------------------------------------------------------------
# Settings tables: one setting per row ("config | value", "Hyperparameter | Value", or a model-column table whose
# shared rows hold one value spanning all columns). Modern papers put their training recipe in such tables, often
# two side by side in the columns of a page ("Pre-training setting" next to "Fine-tuning setting").

_OPTIMIZERS = (
    ("adamw", r"adam ?w|adam with decoupled weight decay"),
    ("adafactor", r"adafactor"),
    ("adagrad", r"adagrad"),
    ("adadelta", r"adadelta"),
    ("rmsprop", r"rms ?prop"),
    ("lamb", r"lamb"),
    ("lars", r"lars"),
    ("adam", r"adam"),
    ("sgd", r"sgd|(?:stochastic )?gradient descent|momentum"),
)
_SCHEDULE_WORDS = (
    ("cosine", r"cos(?:ine)?"),
    ("linear", r"linear"),
    ("constant", r"constant|const|fixed|none"),
    ("step", r"step|multi ?step|piecewise"),
    ("exponential", r"exp(?:onential)?"),
    ("polynomial", r"poly(?:nomial)?"),
    ("inverse_sqrt", r"inv(?:erse)? ?sqrt|rsqrt|inverse square root"),
    ("plateau", r"plateau|reduce on plateau"),
)
# a table caption that announces a regime other than the main training run
_OTHER_REGIME_CAPTION = re.compile(
    r"fine-?\s?tun|finetun|transfer|linear[- ]prob|intermediate|downstream|distill|evaluation|inference", re.I
)
# a caption of per-task hyperparameters (one column per downstream task or dataset): "... on the GLUE benchmark",
# "... on tasks included in ...", "... on E2E, WebNLG and DART". Such a table is a fine-tuning recipe, never the
# main run, and a row whose values differ per task states no value at all.
_PER_TASK_CAPTION = re.compile(
    r"\b(?:on|for|across|of) (?:the |all |each |several |different |downstream |\w+ )?tasks\b"
    r"|\b(?:GLUE|SuperGLUE|SQuAD|VTAB|XTREME)\b"
    r"|\bon [A-Z][\w-]*(?:, [A-Z][\w-]*)+,? and [A-Z][\w-]*"
)
_MAIN_CAPTION = re.compile(
    r"\bhyper-?\s?param|\bsettings?\b|\bset-?ups?\b|\bconfigurations?\b|\brecipes?\b|\b(?:training|optimi[sz]ation) "
    r"details\b",
    re.I,
)
_TABLE_LINE = re.compile(r"^(?:Table|TABLE)\s*([A-Z]?\d+)\s*[:.|]")
_BETAS = re.compile(r"[βb]\s?(?:eta)?\s?1\s?,\s?[βb]\s?(?:eta)?\s?2", re.I)


@dataclass
class SettingRow:
    label: str
    key: str
    value: object
    quote: str


@dataclass
class SettingsTable:
    page: int
    caption: str
    main: bool  # the caption announces the main training run (not fine-tuning, transfer, ...)
    rows: list[SettingRow]
    y: float = 0.0
    x: float = 0.0
    y1: float = 0.0
    label: str = ""  # "Table 9"


def text_value(key: str | None, label: str, text: str):
    """A value written in words: the optimizer ("AdamW [54]") or the schedule ("cosine decay")."""
    t = re.sub(r"\[[\d,\s]+\]|[∗*†‡]", " ", text).strip().lower()
    t = re.sub(r"\s+", " ", t)
    if not t or len(t) > 40:
        return None
    if key == "optimizer" or (
        key is None and normalise_setting(label) in ("optimizer", "optimiser", "solver")
    ):
        for name, rx in _OPTIMIZERS:
            if re.fullmatch(rf"(?:{rx})(?: (?:optimi[sz]er|with momentum|w/ momentum))?", t):
                return name
        return None
    if key == "lr_schedule":
        for name, rx in _SCHEDULE_WORDS:
            if re.fullmatch(rf"(?:{rx})(?: (?:decay|annealing|schedule|warmup))?", t):
                return name
    return None


def normalise_setting(label: str) -> str:
    t = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", label.lower())
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", t)).strip()


def warmup_fact(label: str, value: str) -> tuple[str, object] | None:
    """ "Warm-up | 10K steps", "Warmup | 5 epochs": the unit in the value says which warmup key it is."""
    if not re.fullmatch(
        r"(?:lr |learning rate )?warm ?up(?: length| period| duration)?", normalise_setting(label)
    ):
        return None
    m = re.fullmatch(rf"({NUMBER})\s*(steps?|iterations?|iters?|updates?|epochs?)", value.strip(), re.I)
    x = parse_number(m.group(1)) if m else None
    if x is None or x != int(x):
        return None
    return ("warmup_epochs" if m.group(2).lower().startswith("epoch") else "warmup_steps"), as_json_number(x)


def setting_facts(label: str, value: str) -> dict[str, object]:
    """The canonical facts one settings row states: ``{key: value}`` (two for "Adam (β1, β2) | (0.9, 0.999)")."""
    whole = re.fullmatch(r"\s*\[(\s*\d+(?:\s*,\s*\d+)+\s*)\]\s*", value)  # a list, not a citation
    raw = whole.group(1).strip() if whole else re.sub(r"\[[\d,\s]+\]", " ", value).strip()
    warm = warmup_fact(label, raw)
    if warm:
        return {warm[0]: warm[1]}
    if _BETAS.search(label + " " + raw):
        nums = re.findall(r"\d*\.\d+|\d+(?:e-?\d+)?", _BETAS.sub(" ", raw))
        xs = [parse_number(n) for n in nums]
        if len(xs) == 2 and all(x is not None and 0 < x < 1 for x in xs):
            return {"adam_beta1": as_json_number(xs[0]), "adam_beta2": as_json_number(xs[1])}
        return {}
    key = label_key(label, allow_symbols=False)
    if key == "lora_rank":  # "rq = rv = 8": the rank of every adapted matrix
        ranks = {parse_number(x) for x in re.findall(r"=\s*(\d+)\b", raw)} or {parse_number(raw)}
        r = ranks.pop() if len(ranks) == 1 else None
        return {key: as_json_number(r)} if r is not None and r == int(r) and r >= 1 else {}
    word = text_value(key, label, raw)
    if word is not None:
        return {key or "optimizer": word}
    if key is None or key in ("optimizer", "lr_schedule"):
        return {}
    stages = re.fullmatch(r"\[?\s*(\d+(?:\s*,\s*\d+)+)\s*\]?", raw)  # "[2, 2, 18, 2]": one value per stage
    if stages and key in ("num_layers", "d_model", "num_heads", "d_ff"):
        x = _cell_value(key, re.sub(r"\s+", " ", stages.group(1)), label)
        return {key: x} if isinstance(x, list) else {}
    m = re.fullmatch(rf"({NUMBER})\s+or\s+({NUMBER})", raw)  # "800 or 1600": both runs the paper made
    if m and key in ("epochs", "train_steps"):
        xs = [_cell_value(key, g, label) for g in (m.group(1), m.group(2))]
        return {key: xs} if all(x is not None for x in xs) else {}
    if len(NUMBER_RE.findall(raw)) != 1 and not _POWER_PRODUCT.fullmatch(raw):
        return {}  # "0.05 (F), 0.3 (A/P/N)": one value per model size; "32 × 8": a product
    x = _cell_value(key, raw, label)
    return {} if x is None else {key: x}


_POWER_PRODUCT = re.compile(r"\d+(?:\.\d+)?\s?[×x·⋅]\s?10\s?[−-]\s?\d+")


def settings_tables(document: Document) -> list[SettingsTable]:
    """Every settings table of the paper, in reading order (page, then column, then top to bottom)."""
    if "settings_tables" in document.cache:
        return document.cache["settings_tables"]
    out: list[SettingsTable] = []
    for page in document.body_pages():
        captions = re.findall(r"\bTable\s*[A-Z]?\d+\s*[:.|]([^\n]*(?:\n[^\n]*)?)", page.text)
        if page.words and (
            any(_MAIN_CAPTION.search(c) for c in captions)
            or (captions and re.search(r"(?<!\S)(?:Values?|Optimal|Selected|Chosen)(?!\S)", page.text))
        ):  # only pages with a settings caption, or a table headed "... | Value"
            out.extend(_page_settings(document, page))
    document.cache["settings_tables"] = out
    return out


def _page_settings(document: Document, page: Page) -> list[SettingsTable]:
    lines = _lines(page)
    mid = page.width / 2 if page.width else None  # two tables side by side also sit on one-column pages
    regions: list[list[Line]] = []
    if mid:  # two tables side by side, one per column of the page
        left: list[Line] = []
        right: list[Line] = []
        for ln in lines:
            a = [w for w in ln.words if w.x1 <= mid + 2]
            b = [w for w in ln.words if w.x0 >= mid - 2]
            if a and b and (len(a) + len(b) < len(ln.words) or not re.match(r"[A-Za-z]", b[0].text)):
                left.append(ln)  # a word across the middle, or a value right of it: a table across the page
                continue
            if a:
                left.append(Line(ln.y, a))
            if b:
                right.append(Line(ln.y, b))
        regions += [left, right]
    regions.append(lines)  # a table across the page
    halves = [t for region in regions[:-1] for t in _region_settings(document, page, region)]
    found: list[SettingsTable] = []
    for table in _region_settings(document, page, lines):
        # the same rows read per column of the page: keep the reading that gives more settings
        same = [t for t in halves if t.y1 >= table.y and t.y <= table.y1]
        if len(table.rows) >= sum(len(t.rows) for t in same):
            found.append(table)
            halves = [t for t in halves if t not in same]
    found += halves
    found.sort(key=lambda t: (t.x > (mid or 1e9), t.y))
    return found


def _region_settings(document: Document, page: Page, lines: list[Line]) -> list[SettingsTable]:
    tables: list[SettingsTable] = []
    i = 0
    while i < len(lines):
        run: list[tuple[Line, list[Cell]]] = []
        j = i
        while j < len(lines):
            cells = _cells(lines[j].words, gap=6)
            ok = (
                2 <= len(cells) <= 8
                and re.match(r"#?\s?[^\W\d_]", cells[0].text)  # a label: "Batch size", "β1", "ϵ", "# Epochs"
                and not _TABLE_LINE.match(cells[0].text)
                and len(cells[0].text) <= 45
                and (not run or (abs(cells[0].x0 - run[0][1][0].x0) < 5 and lines[j].y - lines[j - 1].y < 22))
            )
            if not ok:
                # a group label inside the table ("Training", "Inference") when the rows go on below it
                if (
                    run
                    and len(cells) == 1
                    and re.fullmatch(r"[A-Z][\w-]*(?: [\w-]+){0,2}", cells[0].text)
                    and j + 1 < len(lines)
                    and lines[j + 1].y - lines[j - 1].y < 40
                ):
                    j += 1
                    continue
                break
            run.append((lines[j], cells))
            j += 1
        if len(run) >= 4:
            table = _settings_table(document, page, lines, run)
            if table is not None:
                tables.append(table)
        i = max(j, i + 1)
    return tables


def _settings_table(document: Document, page: Page, lines: list[Line], run) -> SettingsTable | None:
    rows: list[SettingRow] = []
    keyed = 0
    value_col = _value_column(run[0][1])  # "Hyperparameter | Range | Value": the chosen value's column
    for _line, cells in run:
        label = cells[0].text
        if label_key(label, allow_symbols=False) or text_value(None, label, "sgd"):
            keyed += 1
        if value_col is not None:
            cell = next((c for c in cells[1:] if c.x0 <= value_col[1] and c.x1 >= value_col[0]), None)
            if cell is None:
                continue
            facts = setting_facts(label, cell.text)
            quote = " ".join(c.text for c in cells)
            if not document.verify(page.number, quote):
                quote = f"{label} {cell.text}"
        else:
            if len(cells) > 2 and len({c.text for c in cells[1:]}) > 1:
                continue  # one value per model or regime: not a shared setting
            quote = " ".join(c.text for c in cells)  # "Adam β1 0.9 0.9 0.9": one value every column shares
            facts = setting_facts(label, cells[1].text)
        if not facts or not document.verify(page.number, quote):
            continue
        for key, value in facts.items():
            rows.append(SettingRow(label, key, value, quote))
    if keyed < 3 or len({r.key for r in rows}) < 2:
        return None
    caption = _nearby_caption(document, page, lines, run)
    if not caption or not (_MAIN_CAPTION.search(caption) or value_col is not None):
        return (
            None  # a table headed "... | Value" (or "Optimal") is a settings table whatever its caption says
        )
    main = not _OTHER_REGIME_CAPTION.search(caption) and not _PER_TASK_CAPTION.search(caption)
    label = re.match(r"\s*((?:Table|TABLE)\s*[A-Z]?\d+)", caption)
    return SettingsTable(
        page.number,
        caption,
        main,
        rows,
        run[0][0].y,
        run[0][1][0].x0,
        run[-1][0].y,
        label.group(1) if label else "",
    )


def regime_name(caption: str) -> str:
    """The regime a settings table of another run states: "fine-tuning" (also per-task, transfer, linear probing,
    downstream tables), "intermediate fine-tuning", "distillation", "evaluation"."""
    low = caption.lower()
    if re.search(r"intermediate (?:fine-?\s?tun|finetun|train)", low):
        return "intermediate fine-tuning"
    if re.search(r"distill", low):
        return "distillation"
    if re.search(r"linear[- ]prob", low):
        return "linear probing"
    if re.search(r"fine-?\s?tun|finetun|transfer|downstream", low) or _PER_TASK_CAPTION.search(caption):
        return "fine-tuning"
    if re.search(r"evaluation|inference", low):
        return "evaluation"
    return "other"


# the header of the column holding the value a settings table chose, and of columns that hold no value (a search
# range, a description): "Hyperparameter | Description | Range | Value", "Parameter type | Optimal | Test range"
_VALUE_HEADER = re.compile(
    r"^(?:values?|optimal|optimum|best|selected|chosen|final|used|setting|default)(?: values?)?$", re.I
)
_NOT_VALUE_HEADER = re.compile(
    r"range|search|grid|candidates?|description|meaning|explanation|tried|options", re.I
)


def _value_column(cells: list[Cell]) -> tuple[float, float] | None:
    """The x-range of the value column when the first row is a header naming one ("Value", "Optimal") beside a
    range or description column; ``None`` for a plain "config | value" table (its second cell is the value)."""
    if len(cells) < 3 or any(_is_number(c.text) for c in cells):
        return None
    names = [c.text.strip() for c in cells[1:]]
    hits = [c for c in cells[1:] if _VALUE_HEADER.match(c.text.strip())]
    if len(hits) != 1 or not any(_NOT_VALUE_HEADER.search(n) for n in names):
        return None
    return (hits[0].x0 - 8, hits[0].x1 + 8)


def _nearby_caption(document: Document, page: Page, lines: list[Line], run) -> str:
    """The caption of the table a run of rows belongs to: the nearest "Table N" line in the same column, below
    the rows (captions under tables) or above them, with the caption's full text from the document."""
    top, bottom = run[0][0].y, run[-1][0].y
    best, dist, text = None, 90.0, ""
    for k, ln in enumerate(lines):
        m = _TABLE_LINE.match(ln.text)
        if not m:
            continue
        d = ln.y - bottom if ln.y > bottom else top - ln.y + 1  # a tie goes to the caption below
        if 0 < d < dist:
            best, dist = m.group(1), d
            text = " ".join(x.text for x in lines[k : k + 2] if x.y - ln.y < 14)  # a caption's second line
    if best is None:
        return ""
    for c in document.captions:
        if c.page == page.number and c.kind == "table" and re.search(rf"\b{re.escape(best)}\b", c.label):
            return c.text
    return text


# ---------------------------------------------------------------------------------------------------------------
# Stage tables: rows are the stages of a hierarchical network ("S1", "Stage 2"), columns the model sizes, and each
# cell states the stage's configuration as symbols ("B=2 C=64": blocks and channels). Each size gets one list per
# symbol, one value per stage; a stem stage ("S0: Conv-stem") is not a stage of blocks and is left out.

_STAGE_LABEL = re.compile(r"^(?:S|[Ss]tage\s?)(\d)\b:?(?P<rest>.*)$")
_KV_ITEM = re.compile(r"(?<![\w=])([A-Za-z])\s?=\s?(\d+(?:\.\d+)?)(?![\w.])")
_SIZE_NAME = re.compile(r"^(?P<stem>[A-Za-z][\w.]*)-(?P<size>[A-Za-z0-9.]+)$")
# the keys the usual stage symbols stand for (B blocks, L layers, D/C width, H heads)
_STAGE_SYMBOLS = {
    "b": "num_layers",
    "l": "num_layers",
    "n": "num_layers",
    "c": "d_model",
    "d": "d_model",
    "h": "num_heads",
}


@dataclass
class StageVariant:
    name: str
    page: int
    quote: str
    facts: dict[str, list]


def stage_tables(document: Document) -> list[StageVariant]:
    out: list[StageVariant] = []
    for page in document.body_pages():
        if not page.words or not re.search(r"\bTable\s*[A-Z]?\d", page.text):
            continue
        lines = _lines(page)
        for i, line in enumerate(lines):
            names = [w.text for w in line.words if _SIZE_NAME.match(w.text)]
            stems = {_SIZE_NAME.match(n).group("stem") for n in names}
            if len(names) < 2 or len(stems) != 1 or len(set(names)) != len(names):
                continue
            got = _stage_block(document, page, lines[i + 1 : i + 12], names)
            out.extend(got or _head_rows(document, page, lines[i + 1 : i + 40], names))
    return out


# "H 8" in an attention row of a stage table: the heads of that stage, once per model column ("H 8 × 2" is a count
# of repeated blocks, not one stage's heads)
_HEADS_ITEM = re.compile(r"(?<![\w])H\s?(\d{1,3})(?![\d.]|\s*[×x]\s*\d)")


def _head_rows(document: Document, page: Page, lines: list[Line], names: list[str]) -> list[StageVariant]:
    """Per-stage attention heads of each model in a stage table whose rows spell each block ("Rel-MSA, H 8")."""
    rows: list[tuple[list[str], list[int]]] = []
    for line in lines:
        if _TABLE_LINE.match(line.text) or sum(1 for w in line.words if _SIZE_NAME.match(w.text)) >= 2:
            break  # the next table, or the next block of model columns
        text = re.sub(r"[\ue000-\uf8ff]", " ", line.text)  # the glyphs of tall brackets
        found = list(_HEADS_ITEM.finditer(text))
        if len(found) == len(names):
            # each model's cell: the text up to its "H n" (quoted per model: the row is stored column by column)
            cells = [text[(found[k - 1].end() if k else 0) : m.end()].strip() for k, m in enumerate(found)]
            rows.append((cells, [int(m.group(1)) for m in found]))
    if len(rows) < 2:
        return []
    out: list[StageVariant] = []
    for n, name in enumerate(names):
        quote = rows[-1][0][n]
        if document.verify(page.number, quote):
            out.append(StageVariant(name, page.number, quote, {"num_heads": [heads[n] for _, heads in rows]}))
    return out


def _stage_block(document: Document, page: Page, lines: list[Line], names: list[str]) -> list[StageVariant]:
    rows: list[tuple[Line, list[tuple[str, float]]]] = []
    for line in lines:
        m = _STAGE_LABEL.match(line.text)
        if not m:
            if rows:
                break
            continue
        if re.search(r"\bstem\b", m.group("rest"), re.I):
            continue  # the stem: convolutions before the first stage
        items = [(k.lower(), float(v)) for k, v in _KV_ITEM.findall(m.group("rest"))]
        symbols = list(dict.fromkeys(k for k, _ in items))
        if (
            not items
            or len(items) != len(names) * len(symbols)
            or any(s not in _STAGE_SYMBOLS for s in symbols)
        ):
            return []
        # one group of symbols per model, in the header's order: "B=2 C=64 B=2 C=96 ..."
        if [k for k, _ in items] != symbols * len(names):
            return []
        rows.append((line, items))
    if len(rows) < 2:
        return []
    quote = " ".join(line.text for line, _ in rows)
    if not document.verify(page.number, quote):
        return []
    symbols = list(dict.fromkeys(k for k, _ in rows[0][1]))
    out: list[StageVariant] = []
    for n, name in enumerate(names):
        facts: dict[str, list] = {}
        for s, sym in enumerate(symbols):
            values = [items[n * len(symbols) + s][1] for _, items in rows]
            if all(v == int(v) and v >= 1 for v in values):
                facts.setdefault(_STAGE_SYMBOLS[sym], [int(v) for v in values])
        if facts:
            out.append(StageVariant(name, page.number, quote, facts))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Key-column tables: two columns, a model name and one canonical key ("Model | Max Learning Rate", one row per model
# size). Too narrow for the numeric-table finder (it wants two values per row), they state one value per model:
# per-model learning rates, batch sizes or sizes listed after the model table.

_NAME_HEADER = re.compile(
    r"^(?:model|models|method|size|model size|variant|network|architecture|config)$", re.I
)


@dataclass
class KeyColumnRow:
    name: str
    key: str
    value: object
    page: int
    quote: str


def key_column_rows(document: Document) -> list[KeyColumnRow]:
    """Rows of every two-column "model | key" table: a header of a name word and a key, then at least two rows of a
    label and one value. The caller gives the values to variants that exist already (never creates one)."""
    if "key_column_rows" in document.cache:
        return document.cache["key_column_rows"]
    out: list[KeyColumnRow] = []
    for page in document.body_pages():
        if not page.words or not re.search(r"\bTable\s*[A-Z]?\d", page.text):
            continue
        lines = _lines(page)
        for i, ln in enumerate(lines):
            head = _cells(ln.words, gap=6)
            if len(head) != 2 or not _NAME_HEADER.match(head[0].text.strip()):
                continue
            key = header_key(head[1].text)
            if key is None or key in ("optimizer", "lr_schedule"):
                continue
            rows: list[KeyColumnRow] = []
            for nxt in lines[i + 1 : i + 30]:
                cells = _cells(nxt.words, gap=6)
                if (
                    len(cells) != 2
                    or abs(cells[0].x0 - head[0].x0) > 6
                    or not re.match(r"[A-Za-z0-9]", cells[0].text)
                    or _is_number(cells[0].text)
                ):
                    break
                value = _cell_value(key, cells[1].text, head[1].text)
                quote = f"{cells[0].text} {cells[1].text}"
                if value is None or not document.verify(page.number, quote):
                    break
                rows.append(KeyColumnRow(cells[0].text, key, value, page.number, quote))
            if len(rows) >= 2:
                out.extend(rows)
    document.cache["key_column_rows"] = out
    return out
