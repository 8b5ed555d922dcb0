"""Prose extraction: sentences in reading order -> cited candidate facts -> one value per key.

Candidates carry the sentence they came from, so the choice between two
statements of one key can prefer the main configuration: a statement about
fine-tuning goes to ``settings``, one about a named variant ("for the big
model") goes to that variant, one inside an ablation or about a secondary
dataset loses to a plain statement. Every quote is checked verbatim against
the cited page before it is kept; a fact whose quote cannot be verified is
dropped, never emitted with a paraphrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlintern.tools.paper.document import CAPTION_RE, Document, _heading
from mlintern.tools.paper.grammar import defined_values
from mlintern.tools.paper.patterns import ABLATION_RE, FINETUNE_RE, KEY_HINTS, PATTERNS, Pattern
from mlintern.tools.paper.text import NUMBER_RE, WORD_NUMBERS, as_json_number, parse_number
from mlintern.tools.paper.vocab import label_key

_ABBREV = re.compile(
    r"\b(?:et al|e\.g|i\.e|Fig|Figs|Eq|Eqs|Sec|Secs|Tab|vs|cf|approx|resp|No|Ref|Refs)\.$", re.I
)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[“\"])|(?<=[.!?][”\"])\s+")
MAX_QUOTE = 300
STRICT_KEYS = {"num_params"}  # stated in comparisons so often that only plain statements count
# datasets whose mention marks a secondary regime when the paper's main dataset is another one
ASIDE_SECTIONS = re.compile(
    r"intro|related|background|prior work|conclu|discussion|front matter|abstract", re.I
)
COMPONENT_RE = re.compile(r"\b(generator|discriminator|critic|actor)s?\b", re.I)
SMALL_DATASETS = re.compile(r"\b(CIFAR|SVHN|MNIST|PASCAL|VOC|COCO|Penn Treebank|PTB|WikiText|GLUE|SQuAD)\b")


@dataclass
class Sentence:
    text: str
    page: int
    index: int  # position in the document, for "first statement wins"
    block: str
    section: str = ""  # title of the section the sentence sits in
    caption: bool = False  # inside a figure or table caption
    lead: str = ""  # the block's opening "For <Name>," subject, which scopes the whole paragraph
    table_caption: str = ""  # for a flattened table row: the caption of the table it belongs to
    section_number: str = ""  # "A.2" for the subsection the sentence sits in


@dataclass
class Candidate:
    key: str
    value: object
    page: int
    quote: str
    rank: int
    penalty: int
    index: int
    scope: tuple[str, str] | None = None  # ("variant", name) | ("setting", name) | None = paper-wide
    source: str = "paper"
    aside: bool = False  # the sentence is an ablation, a comparison or an example, not the configuration
    task: str | None = None  # the section is about another task or an analysis ("4.4 Image Generation")

    def fact(self) -> dict:
        return {"value": self.value, "page": self.page, "quote": self.quote, "source": self.source}


def sentences(document: Document) -> list[Sentence]:
    """Split every body block into sentences, keeping abbreviations ("et al.") inside (computed once)."""
    if "sentences" not in document.cache:
        document.cache["sentences"] = _split_sentences(document)
    return document.cache["sentences"]


def _split_sentences(document: Document) -> list[Sentence]:
    out: list[Sentence] = []
    n = 0
    section, number = "front matter", ""
    for page in document.body_pages():
        for i, block in enumerate(page.blocks):
            head = _heading(block.split("\n")[0][:80])
            if head is not None and len(block) < 90:
                number, section = head[0] or "", head[1]
            caption = bool(CAPTION_RE.match(block))
            lead = _LEAD.match(block)
            table_caption = "" if caption else _table_caption(page.blocks, i)
            embedded = None if caption else _EMBEDDED_CAPTION.search(block)
            if embedded and table_like(block[: embedded.start()]):
                table_caption = embedded.group(1)  # "... batch size 4096 Table 8. Pre-training setting."
            parts = _SPLIT.split(block)
            merged: list[str] = []
            for part in parts:
                if merged and _ABBREV.search(merged[-1]):
                    merged[-1] += " " + part
                else:
                    merged.append(part)
            for s in merged:
                s = s.strip()
                if len(s) >= 8:
                    out.append(
                        Sentence(
                            s,
                            page.number,
                            n,
                            block,
                            section,
                            caption,
                            (lead.group(1) or lead.group(2)) if lead else "",
                            table_caption if table_like(s) else "",
                            number,
                        )
                    )
                    n += 1
    return out


# "For RNNSearch, we select ...", "We also experiment with Transformer, ...": a paragraph that opens by naming
# a model or regime is about that one only
_LEAD = re.compile(
    r"(?:For (?:all |each )?(?:the |our )?([A-Z][\w.-]*[\w])(?: (?:models?|experiments?|runs?|networks?))?,"
    r"|We (?:first |also |then |next )?experiment with (?:the |an? )?([A-Z][\w.-]*[\w])\b)"
)
_FUNCTION_WORDS = re.compile(r"\b(?:we|is|are|was|were|the|our|this|be|has|have)\b", re.I)


def table_like(text: str) -> bool:
    """A table flattened into text ("Batch Size 256 Warmup Updates 2048 ..."): labels and numbers, no prose."""
    return (
        len(NUMBER_RE.findall(text)) >= 2 and not _FUNCTION_WORDS.search(text) and not CAPTION_RE.match(text)
    )


# a table whose caption the PDF stores at the end of the table's own block
_EMBEDDED_CAPTION = re.compile(r"(?<=\s)(Table\s*(?:\d+|[A-Z]\.?\d+)\s*[:.|]\s+[^\n]{3,300})$", re.S)


def _table_caption(blocks: list[str], i: int) -> str:
    """The table caption a flattened table block belongs to: the next caption when only table text lies between
    (captions set below tables), else the one just before (captions set above)."""
    for j in range(i + 1, min(len(blocks), i + 4)):
        if CAPTION_RE.match(blocks[j]):
            return blocks[j] if blocks[j].lower().startswith("table") else ""
        if not (table_like(blocks[j]) or len(blocks[j]) < 60):
            break
    for j in range(i - 1, max(-1, i - 4), -1):
        if CAPTION_RE.match(blocks[j]):
            return blocks[j] if blocks[j].lower().startswith("table") else ""
        if not (table_like(blocks[j]) or len(blocks[j]) < 60):
            break
    return ""


def make_quote(document: Document, page: int, sentence: str, start: int, end: int) -> str | None:
    """The shortest honest quote for a match: the sentence, else its clause, else a word window.

    Every choice is verified on the page; ``None`` when nothing verifies (the
    sentence was reassembled across blocks that the PDF stores apart).
    """
    options: list[str] = []
    if len(sentence) <= MAX_QUOTE:
        options.append(sentence)
    # the clause around the match: cut at ; and at commas that are not inside numbers
    lo = max((m.end() for m in re.finditer(r"[;:]\s|,\s(?!\d{3}\b)", sentence[:start])), default=0)
    hi_m = re.search(r"[;]\s|,\s(?!\d{3}\b)|\.\s", sentence[end:])
    hi = end + hi_m.start() if hi_m else len(sentence)
    options.append(sentence[lo:hi])
    # word windows of shrinking width
    for pad in (60, 30, 12):
        a = sentence.rfind(" ", 0, max(0, start - pad)) + 1 if start - pad > 0 else 0
        b = sentence.find(" ", min(len(sentence), end + pad))
        options.append(sentence[a : b if b != -1 else len(sentence)])
    options.append(sentence[start:end])
    seen = set()
    for q in options:
        q = q.strip(" ,;")
        if len(q) < 4 or q in seen:
            continue
        seen.add(q)
        if len(q) <= MAX_QUOTE and document.verify(page, q):
            return q
    return None


def _value(pattern: Pattern, m: re.Match):
    if pattern.value is not None:
        return pattern.value
    raw = m.group(pattern.group)
    if pattern.key == "image_size":  # "224²" comes out of PDFs as "2242"
        raw = _unsquare(raw)
    x = parse_number(raw)
    if x is None:
        return None
    if "v2" in m.groupdict() and m.group("v2") is not None:
        y = parse_number(_unsquare(m.group("v2")) if pattern.key == "image_size" else m.group("v2"))
        if y != x:  # 224×224: both sides must agree
            return None
    if pattern.group == "keep":  # a survival / keep probability: the key stores the drop probability
        x = round(1 - x, 6)
    if pattern.check and not pattern.check(x):
        return None
    return as_json_number(x)


_LIST = re.compile(r",\s*\d[\d.]*(?:[eE][-−]?\d+)?(?:\s*,|,?\s+(?:and|or)\s+\d)")


def _cut_number(text: str, m: re.Match, pattern: Pattern) -> bool:
    """True when the number is not one stated value: the regex stopped inside a longer token ("0" of
    "0.1/0.4"), it is one end of a range ("between two and three"), or the first cell of a flattened
    table row holding several different values ("Batch Size 32 16 1"), or one of a "respectively" list."""
    if pattern.value is not None or pattern.group not in m.groupdict() or m.group(pattern.group) is None:
        return False
    after = text[m.end(pattern.group) :]
    if re.match(r"[./]\d|\d", after) or (m.end() == m.end(pattern.group) and _LIST.match(after)):
        return True  # inside a longer token, or the first of a list ("batch sizes of 64, 128 and 256")
    if re.search(
        r"\bbetween\s+\S+\s+and\s+$|(?:\d|\b(?:one|two|three|four|five|six|ten))\s+or\s+$",
        text[: m.start(pattern.group)],
        re.I,
    ):
        return True
    if "respectively" in text and (
        re.match(r"\s*(?:,|and)\s*\d", after)
        or re.search(r"\d\s*(?:,|and)\s*$", text[: m.start(pattern.group)])
    ):
        return True  # "A and B are 0.1 and 0.9, respectively": which is which needs the sentence's order
    row = re.match(r"(?:\s+[\d.]+(?:[eE][-−]?\d+)?){2,}", after)
    return bool(row and len(set(row.group(0).split()) | {m.group(pattern.group)}) > 1)


def _replaced(text: str, m: re.Match, pattern: Pattern) -> bool:
    """ "sigmoid instead of ReLU", "replacing BN": the named thing is what the paper moved away from."""
    return isinstance(pattern.value, str) and bool(
        re.search(
            r"(?:instead of|rather than|replac\w*|substitut\w*)\s+(?:the\s+)?$",
            text[max(0, m.start() - 30) : m.start()],
            re.I,
        )
    )


def _avoided(text: str, m: re.Match, pattern: Pattern) -> bool:
    """The match's clause says the number counts a phase, not the run ("a warmup for 500 steps", "for 500 steps
    then"): the clause runs from the last comma, semicolon, colon or "and" before the match (at most 50
    characters back) to a few words past it."""
    if pattern.avoid is None:
        return False
    start = max(
        [text.rfind(sep, 0, m.start()) + len(sep) for sep in (", ", "; ", ": ", " and ")] + [m.start() - 50]
    )
    tail = re.split(r"[,;:]\s", text[m.end() : m.end() + 25])[0]
    return bool(pattern.avoid.search(text[start : m.end()] + tail))


def _flattened_power(document: Document, page: int, m: re.Match, pattern: Pattern) -> bool:
    """The number is a base with its superscript exponent run into it ("2^20 updates" read as "220 updates")."""
    if (
        pattern.value is not None
        or m.groupdict().get(pattern.group) is None
        or not 1 <= page <= len(document.pages)
    ):
        return False
    return m.group(pattern.group).strip() in document.pages[page - 1].powers


def _unsquare(raw: str) -> str:
    digits = raw.strip()
    if re.fullmatch(r"\d{3,4}2", digits) and int(digits[:-1]) % 16 == 0:
        return digits[:-1]
    return raw


def candidates(document: Document, variant_names: list[str], main_dataset: str | None) -> list[Candidate]:
    """Every statement of a canonical key in the body, with its scope and a quote verified on its page."""
    out: list[Candidate] = []
    variant_res = [(name, _variant_mention(name)) for name in variant_names]
    generic_sgd = False  # the paper called its adaptive optimizer "SGD together with Adadelta"
    parents = {sec.number: sec.title for sec in document.sections if sec.number and "." not in sec.number}
    previous: Sentence | None = None
    for s in sentences(document):
        before, previous = previous, s
        text = s.text
        parent = parents.get(s.section_number.split(".")[0], "") if "." in s.section_number else ""
        # or a "B.1.1 Fine-tuning" section, or a subsection of "B Downstream Tasks"
        finetune = bool(
            (FINETUNE_RE.search(text) and not _BOTH_REGIMES.search(text))
            or FINETUNE_RE.search(s.section)
            or re.search(r"\bdownstream|\btransfer", parent, re.I)
        )
        aside = bool(ABLATION_RE.search(text))
        penalty = int(aside or bool(ASIDE_SECTIONS.search(s.section))) + 2 * int(s.caption)
        stated_with_numbers = bool(re.search(r"\d", re.sub(r"\[[^\]]*\]|\([^()]*\d{4}[a-z]?\)", "", text)))
        # a secondary dataset named in the sentence, or heading its section ("4.2 CIFAR-10 and Analysis")
        other = SMALL_DATASETS.search(text) or SMALL_DATASETS.search(s.section)
        secondary = bool(main_dataset and other and main_dataset.lower() not in (text + s.section).lower())
        scope = None
        for name, rx in variant_res:
            if rx.search(text):
                scope = ("variant", name)
                break
        if (
            scope is None
        ):  # a definition-list paragraph "BN-x5: ... . The learning rate was ..." is about BN-x5
            for name in sorted(variant_names, key=len, reverse=True):
                if re.match(rf"{re.escape(name)}\s*:", s.block):
                    scope = ("variant", name)
                    break
        regime = _regime(document, s, variant_names, main_dataset)
        if finetune or (regime and FINETUNE_RE.search(regime)):
            scope = ("setting", "fine-tuning")
        elif secondary and scope is None:
            scope = ("setting", other.group(1))
        elif (hybrid := _OTHER_SYSTEM.search(text)) and scope is None:
            scope = ("setting", hybrid.group(1).lower().rstrip("s"))
        elif _ABLATION_BASE.search(text) and scope is None:
            scope = ("setting", "ablation base model")
        elif regime and scope is None:
            scope = ("setting", regime)
        elif scope is None and _side_experiment(s):
            scope = ("setting", s.section)
        if _OTHERS_WORK.search(text) or _POSSIBLE.search(text):
            continue  # "Wang et al. (2020b) proposed a model with 3×3 kernels": their configuration, not this paper's
        found: list[Candidate] = []
        for clause, clause_scope, offset in _clauses(text):
            found.extend(
                _match(document, s, clause, offset, clause_scope or scope, penalty, stated_with_numbers)
            )
        if "respectively" in text:
            have = {c.key for c in found}
            found.extend(c for c in _respectively(document, s, scope, penalty) if c.key not in have)
            found.extend(_per_variant(document, s, variant_names, penalty))
        have = {c.key for c in found}
        found.extend(c for c in _defined(document, s, scope, penalty) if c.key not in have)
        if before is not None and before.page == s.page:
            have = {c.key for c in found}
            found.extend(c for c in _pronoun_depth(document, s, before, scope, penalty) if c.key not in have)
        if before is not None and before.page == s.page and _NAME_GROUPS.match(before.text):
            have = {c.key for c in found if c.scope and c.scope[0] == "variant"}
            found.extend(
                c for c in _slashed_row(document, s, before.text, variant_names) if c.key not in have
            )
        if s.caption and _FIGURE.match(
            s.block
        ):  # a figure illustrates a shape (a toy network "with two layers",
            found = [
                c for c in found if c.key not in _SHAPE_KEYS
            ]  # a 300×300 input); its training facts stand
        task = _other_task(document, s, parent) if scope is None else None
        if scope is None and _SYNTHETIC.search(text):  # the data generator's setup, not the model's
            scope = ("setting", "synthetic data")
            for c in found:
                c.scope = c.scope or scope
        for c in found:
            c.aside = aside
            c.task = task
            if c.key == "num_classes" and c.scope is None and _later_other_task(document, s, main_dataset):
                c.scope = ("setting", s.section or f"page {s.page}")
            if c.key == "batch_size" and c.scope is None and _SPEED.search(text):
                c.scope = ("setting", "speed measurement")
            if c.key in ("epochs", "train_steps") and c.scope is None and _PART_OF_DATA.search(text):
                c.scope = ("setting", "part of the data")
        if _AT_A_POINT.match(
            text
        ):  # "After about 150 epochs, both methods converge": a point, not the length
            found = [c for c in found if c.key not in ("epochs", "train_steps")]
        if _COMPARING.search(text):  # "we compare GRN with LRN, BN and LN": the named kinds are alternatives
            found = [c for c in found if not isinstance(c.value, str)]
        named = _lead_variants(text, variant_names) if scope is None else []
        if (
            named
        ):  # "For the heavyweight models including X and Net-B3, we use ...": each named variant's values
            found = [
                Candidate(
                    c.key,
                    c.value,
                    c.page,
                    c.quote,
                    c.rank,
                    c.penalty,
                    c.index,
                    ("variant", name),
                    c.source,
                    c.aside,
                    c.task,
                )
                if c.scope is None
                else c
                for name in named
                for c in found
            ]
        kept = _generic_sgd_dropped(text, found)
        generic_sgd |= len(kept) < len(found)
        found = kept
        for c in found:  # "SGD, or Adagrad": a sentence naming alternatives states neither
            if (
                isinstance(c.value, str)
                and len({f.value for f in found if f.key == c.key and f.scope == c.scope}) > 1
            ):
                c.penalty += 1
        out.extend(found)
    _split_sibling_experiments(document, out)
    # a value stated in a section about another task or an analysis is that experiment's, when the paper states
    # its main configuration elsewhere (a paper all about that task keeps it: its title or every section names it)
    stated = {c.key for c in out if c.scope is None and not c.task}
    # a paper with its own classification section ("5 Image Classification") and a section about another task
    # ("6 Machine Translation") runs two experiments: the other task's values are a setting however few are stated
    classifies = any(re.search(r"\bclassification\b", sec.title, re.I) for sec in document.sections)
    by_index = {s.index: s for s in sentences(document)}
    for c in out:
        if (
            c.task
            and c.scope is None
            and (len(stated) >= 3 or _ANALYSIS_SECTION.search(c.task) or classifies)
            and not (isinstance(c.value, str) and _OWN_DESIGN.search(by_index[c.index].text))
        ):
            c.scope = ("setting", c.task)
    by_idx = {s.index: s for s in sentences(document)}
    if any(  # "we used the Adam optimizer": trained "with mini-batch stochastic gradient descent" is the method
        c.key == "optimizer"
        and c.value in _ADAPTIVE
        and c.scope is None
        and _OWN_OPTIMIZER.search(by_idx[c.index].text)
        for c in out
    ):
        for c in out:
            if c.key == "optimizer" and c.value == "sgd" and _MINIBATCH_SGD.search(by_idx[c.index].text):
                c.penalty += 1
    if (
        generic_sgd
    ):  # then its "each SGD update" elsewhere names the same procedure, not a plain-SGD optimizer
        for c in out:
            if c.key == "optimizer" and c.value == "sgd":
                c.penalty += 1
    return out


# a section about another task or an analysis ("4.4 Image Generation", "3.6 Machine translation", "3 Performance
# Analyses", "3.3 Training Cost"): its values are that experiment's, unless the title names the task (a detection paper)
_TASK_SECTION = re.compile(
    r"\b(detection|segmentation|generation|translation|captioning|retrieval|aesthetics?|"
    r"assessment|language model(?:l?ing)?|performance analys[ei]s|training cost|comparison with|"
    r"ablations?)\b",
    re.I,
)
# an analysis of the method (its speed, its cost, its ablations) is never the main configuration, however few
# keys the paper states elsewhere
_ANALYSIS_SECTION = re.compile(r"\b(?:performance analys[ei]s|training cost|ablations?)\b", re.I)


def _other_task(document: Document, s: Sentence, parent: str = "") -> str | None:
    """The section (or its numbered parent: "4.4 Main Results" under "4 Language Modeling") about another task."""
    for title in (s.section, parent):
        m = _TASK_SECTION.search(title)
        if m and m.group(1).lower()[:6] not in (document.title or "").lower():
            return title
    return None


# "For the heavyweight models including RegNet-X and Net-B3, we use ...": a lead clause listing models
_LEAD_LIST = re.compile(
    r"^For (?:the |all |our )?[^,]{0,60}?\b(?:models?|networks?|variants?|architectures?)\b"
    r"(?: (?:including|such as|like|of))?\s+(?P<names>[^;]{1,160}?),\s+we\b"
)


def _lead_variants(text: str, variant_names: list[str]) -> list[str]:
    """The paper's variants a sentence's "For the X models including A, B and C, we ..." clause names."""
    m = _LEAD_LIST.match(text)
    if not m:
        return []
    names = re.split(r"\s*(?:,|\band\b|\bor\b)\s*", m.group("names"))
    by_lower = {v.lower(): v for v in variant_names}
    return [by_lower[n.strip().lower()] for n in names if n.strip().lower() in by_lower]


# "The default pre-training, fine-tuning, and testing resolution is 224": one value for both regimes, so the
# main configuration's too
_BOTH_REGIMES = re.compile(
    r"pre-?train\w*,?\s+(?:and\s+|or\s+)?(?:the\s+)?fine-?tun|fine-?tun\w*,?\s+(?:and\s+|or\s+)?(?:the\s+)?pre-?train",
    re.I,
)
# "Our network configuration does not contain any batch normalizations": a sentence describing the paper's own
# final design states it even inside an ablation or analysis section (its kind, not a varied number)
_OWN_DESIGN = re.compile(
    r"\bour (?:final |default )?(?:network|model|architecture)(?: configuration| design)? "
    r"(?:does|do|is|has|uses|contains|relies|adopts|applies)\b",
    re.I,
)


_COMPARING = re.compile(
    r"\bwe compare\b|\bcompar(?:ed|ing|ison) (?:with|to|against)\b|\bversus\b|\bvs\.?\s", re.I
)
# "Adam and RMSprop can be adopted here": a possibility the paper mentions, not what it did
_POSSIBLE = re.compile(
    r"\b(?:can|could|may|might) (?:also |alternatively )?be (?:adopted|used|applied|employed|replaced)\b|"
    r"\b(?:not (?:sufficient|enough)|insufficient) to (?:simply )?\w+",
    re.I,
)
# "for a fair comparison with BERT (batch size 256 and ...)": a parenthesis after a comparison names the other
# model's configuration
_COMPARED_PAREN = re.compile(
    r"\b(?:compar\w*|than|unlike|similar to|same as|following)\b[^.;()]{0,40}?[A-Z][\w.-]*\s*\([^()]*$"
)


# "For the hybrids, we feed ... into ViT with patch size of one pixel": values of a combined/other system
_OTHER_SYSTEM = re.compile(r"\b(?:for|in|of) (?:the |our |these )?(hybrids?)\b(?! of)", re.I)
# "All configurations are based on a ViT model with 8 layers ... and a patch size of 32": the small model an
# ablation grid varies, not the paper's configuration
_ABLATION_BASE = re.compile(
    r"\b(?:all|these|the|our) (?:configurations|runs|experiments|ablations|models) "
    r"(?:are|were) based on\b",
    re.I,
)


# "with the exception of the Wikipedia and Books domains, over which we perform approximately two epochs":
# a pass count for some of the data, not the length of the main run
# "After about 150 training epochs, X converges ...": a sentence opening at a point of training reports what
# happened there ("we stop training after 90 epochs" states the run length and does not open so)
_AT_A_POINT = re.compile(
    r"(?:after|within|by)\s+(?:about |around |roughly |approximately |only |just )?[\d,.]+[kKM]?\s+"
    r"(?:training\s+)?(?:epochs|steps|iterations|updates)\b",
    re.I,
)
# "To set up the synthetic data experiments, we initialize an LSTM ... as the oracle": values of the generator of
# synthetic data, not of the paper's model
_SYNTHETIC = re.compile(
    r"\bsynthetic[- ]data(?:set)?s?\b[^.]{0,20}\b(?:experiments?|setup|set up|generat\w*)|"
    r"\b(?:set up|generate|generating)\b[^.]{0,20}\bsynthetic\b",
    re.I,
)
_SHAPE_KEYS = {"num_layers", "d_model", "d_ff", "num_heads", "image_size", "patch_size", "kernel_size"}
_FIGURE = re.compile(r"\s*(?:Figure|Fig\.)\s*\d", re.I)
# "Throughput is measured on a single GPU with batch size 16": the batch of a speed benchmark, not of training
_SPEED = re.compile(
    r"\bthroughput|\blatency\b|\binference (?:speed|time)|\bimages?/s\b|\bFPS\b|"
    r"\b(?:speed|runtime|running time) (?:is |was )?measured",
    re.I,
)
# an appendix paragraph that validates one component against a baseline ("This section presents experimental
# validation of X ... In the baseline configuration ..."): its setup is that side experiment's, not the model's
_VALIDATES = re.compile(r"\bvalidat(?:e|es|ed|ing|ion)\b", re.I)
_BASELINE = re.compile(r"\bbaselines?\b", re.I)


def _side_experiment(s: Sentence) -> bool:
    return bool(
        re.match(r"[A-Z](?:\.\d+)*$", s.section_number)
        and _VALIDATES.search(s.block)
        and _BASELINE.search(s.block)
    )


_PART_OF_DATA = re.compile(r"\bwith the exception of\b|\bover which we\b", re.I)


def _later_other_task(document: Document, s: Sentence, main_dataset: str | None) -> bool:
    """A class count in the second half of the paper that names neither the main dataset nor sits under a
    section naming it ("The recognizer classifies segment images into one of 95 classes" in a late
    application section) is the count of another system the paper describes, not of its main model."""
    if not main_dataset or s.page <= document.page_count / 2:
        return False
    return main_dataset.lower() not in (s.text + " " + s.section).lower()


_OTHERS_WORK = re.compile(
    r"\bet al\.?(?:,?\s*\(?\d{4}[a-z]?\)?)?\s+(?:propos\w*|introduc\w*|report\w*|use[sd]?|train(?:s|ed)?)\b|"
    # "the model of X et al. (2020), which extracts patches of size 2 x 2": a cited work's configuration
    r"\b(?:model|method|approach|work|network|architecture|system)s? of [A-Z][\w-]+ et al\b|"
    r"\bet al\.?,?\s*\(?\d{4}[a-z]?\)?,?\s+(?:which|who)\b|"
    # "The sigmoid has been shown to slow down learning (X et al., 1998)": a known finding
    r"\b(?:has|have) (?:already )?been (?:already )?shown to\b[^.]*\bet al\b",
    re.I,
)
_CHANGED = re.compile(r"\b(?:changed|modified|overrid\w*)\b", re.I)


def _regime(
    document: Document, s: Sentence, variant_names: list[str], main_dataset: str | None
) -> str | None:
    """The other regime a sentence is about, or None for the main configuration.

    A flattened table whose caption says its values were changed for something ("Hyperparameters changed for
    X Large V2") or are for fine-tuning describes that regime; a paragraph opening "For RNNSearch," or a
    subsection in a run of subsections each titled by a model ("D.3 GPT-2", "D.4 GPT-3") describes a model the
    paper trains besides (or instead of) one main configuration, when that name is neither a variant, the
    paper's title model nor its main dataset. Once such a model is known, a section title or a table caption
    naming it ("5.5 Scaling up to GPT-3 175B", "Table 12: ... for GPT-3 adaptation methods") is about it too.
    """
    if s.table_caption:
        label = CAPTION_RE.match(s.table_caption)
        if FINETUNE_RE.search(s.table_caption):
            return "fine-tuning"
        if _CHANGED.search(s.table_caption):
            about = re.search(r"\bfor (?:the )?([^.;:]{2,40})", s.table_caption)
            return about.group(1).strip() if about else f"{label.group(1).title()} {label.group(2)}"
    own = _model_regime(document, s, variant_names, main_dataset)
    if own:
        return own
    names = _regime_names(document, variant_names, main_dataset)
    # a captioned table is a float: its caption, not the section the typesetter put it in, says what it is about
    for where in (s.table_caption,) if s.table_caption else (s.section,):
        for name in names:
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", where, re.I):
                return name
    return None


def _model_regime(
    document: Document, s: Sentence, variant_names: list[str], main_dataset: str | None
) -> str | None:
    for name in (s.lead, _named_section(document, s.section)):
        if not name or any(name.lower() == v.lower() for v in variant_names):
            continue
        if main_dataset and name.lower() in main_dataset.lower():
            continue
        if name.lower() in document.title.lower() or name not in _proper_names(document):
            continue
        return name
    return None


def _regime_names(document: Document, variant_names: list[str], main_dataset: str | None) -> list[str]:
    """Every model the paper sets apart by a "For X," paragraph or an "X" subsection, longest first."""
    if "regime_names" not in document.cache:
        found = {_model_regime(document, s, variant_names, main_dataset) for s in sentences(document)} - {
            None
        }
        document.cache["regime_names"] = sorted(found, key=len, reverse=True)
    return document.cache["regime_names"]


def _split_sibling_experiments(document: Document, cands: list[Candidate]) -> None:
    """Sibling subsections that state keys with different values ("A.2 Reading Comprehension: batch size 64,
    learning rate 8e-5", "A.3 Image-Caption Retrieval: batch size 128, learning rate 1e-3") describe separate
    experiments: the first sibling's values stay the paper's, the others become settings named after their
    subsection. Two keys must differ: one differing key is a design step ("2.5 Large Kernel Sizes"), not an
    experiment of its own."""
    by_index = {s.index: s for s in sentences(document)}
    numbers = [sec.number for sec in document.sections if sec.number]
    by_key: dict[str, list[Candidate]] = {}
    for c in cands:
        if c.scope is None and by_index[c.index].section_number.rpartition(".")[0]:
            by_key.setdefault(c.key, []).append(c)
    differing: dict[str, list[str]] = {}  # parent section -> keys its subsections state differently
    for key, cs in by_key.items():
        seen: dict[str, set] = {}
        for c in cs:
            number = by_index[c.index].section_number
            if c.penalty == 0:  # plain statements decide that the siblings differ; all of them then move
                seen.setdefault(number.rpartition(".")[0], set()).add((number, repr(c.value)))
        for parent, pairs in seen.items():
            if len({n for n, _ in pairs}) >= 2 and len({v for _, v in pairs}) >= 2:
                differing.setdefault(parent, []).append(key)
    for parent, keys in differing.items():
        if len(keys) < 2:
            continue
        first = next(n for n in numbers if n.rpartition(".")[0] == parent)
        for c in (c for key in keys for c in by_key[key]):
            s = by_index[c.index]
            if s.section_number.rpartition(".")[0] == parent and s.section_number != first:
                c.scope = ("setting", s.section)
    # a paper of several experiments states each task's class count in that task's section ("CIFAR-10 ... with 10
    # different classes" in "CIFAR-10 Classification"); the class count is that experiment's, not the paper's (a
    # section of the body titled like one of the sibling experiments is that experiment too)
    titles = {
        sec.title.lower()
        for parent, keys in differing.items()
        if len(keys) >= 2
        for sec in document.sections
        if sec.number
        and sec.number.rpartition(".")[0] == parent
        and sec.number
        != next(n for n in numbers if n.rpartition(".")[0] == parent)  # the first is the paper's
    }
    for c in cands:
        s = by_index[c.index]
        if c.key == "num_classes" and c.scope is None and s.section.lower() in titles:
            c.scope = ("setting", s.section)


def _named_section(document: Document, title: str) -> str:
    """The name titling a subsection when the paper splits a part by model: sibling subsections each titled by
    one name the paper uses ("D.1 ROBERTA", "D.2 DEBERTA", "D.3 GPT-2"); "" otherwise, so a paper's section
    about its own method ("3 DenseNets") or a topical title ("5.3 Optimizer") names no regime."""
    named = _named_sections(document)
    for number, name in named.items():
        parent = number.rpartition(".")[0]
        if (
            name.lower() == title.lower()
            and parent
            and sum(n.rpartition(".")[0] == parent for n in named) >= 2
        ):
            return name
    return ""


def _named_sections(document: Document) -> dict[str, str]:
    """{section number: name} for numbered sections titled by one proper name of the paper."""
    if "named_sections" not in document.cache:
        names = {n.lower(): n for n in _proper_names(document)}
        document.cache["named_sections"] = {
            sec.number: names[sec.title.lower()]
            for sec in document.sections
            if sec.number and len(sec.title.split()) == 1 and sec.title.lower() in names
        }
    return document.cache["named_sections"]


def _proper_names(document: Document) -> set[str]:
    """Capitalised words the paper uses mid-sentence ("a GRU-based RNNSearch"): names, not "For example,"."""
    if "proper_names" not in document.cache:
        counts: dict[str, int] = {}
        for page in document.body_pages():
            for m in re.finditer(r"(?<=[a-z,] )([A-Z][\w.-]*[\w])", page.text):
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        document.cache["proper_names"] = {w for w, k in counts.items() if k >= 2}
    return document.cache["proper_names"]


_OWN_OPTIMIZER = re.compile(
    r"\bwe (?:use|used|employ|employed|adopt|adopted|chose|choose|train with|trained with)\b[^.;]{0,20}?"
    r"\b(?:the )?(?:adam\w*|adadelta|adagrad|rmsprop|adafactor|lamb|lars) optimi[sz]er",
    re.I,
)
_MINIBATCH_SGD = re.compile(r"\bmini-?\s?batch (?:SGD|stochastic gradient)\b", re.I)  # the generic method
_JOINED = re.compile(r"\b(?:together|combined|along|in combination|in conjunction|coupled) with\b", re.I)
_ADAPTIVE = {"adam", "adamw", "adadelta", "adagrad", "rmsprop", "adafactor", "lamb", "lars"}


def _generic_sgd_dropped(text: str, found: list[Candidate]) -> list[Candidate]:
    """ "minibatch SGD together with Adadelta": SGD is the generic method, the adaptive rule is the optimizer.

    Only when the sentence joins them ("together with", "combined with"), never when it offers them as
    alternatives, examples or a comparison ("SGD or Adam", "SGD variants such as Adagrad", "instead of")."""
    values = {c.value for c in found if c.key == "optimizer"}
    if (
        "sgd" not in values
        or not values & _ADAPTIVE
        or not _JOINED.search(text)
        or re.search(r"\b(?:or|versus|vs|instead|rather|compar\w*|such as|variants?)\b", text)
    ):
        return found
    return [c for c in found if not (c.key == "optimizer" and c.value == "sgd")]


_RESPECTIVE_KEYS = [
    (r"learning rates?", "learning_rate"),
    (r"weight decay", "weight_decay"),
    (r"momentum", "momentum"),
    (r"(?:mini-?)?batch sizes?", "batch_size"),
    (r"dropout(?: rates?)?", "dropout"),
    (r"warm-?up steps", "warmup_steps"),
    (r"label smoothing", "label_smoothing"),
    (r"(?:FFN|feed-?forward|inner|MLP)(?: hidden)? (?:size|dimension)", "d_ff"),
    (r"(?:model|hidden|embedding) (?:size|dimension)", "d_model"),
    (r"(?:number of )?(?:attention )?heads", "num_heads"),
    (r"(?:number of )?layers", "num_layers"),
    (r"epochs", "epochs"),
    (r"β1", "adam_beta1"),
    (r"β2", "adam_beta2"),
]
_RESPECTIVE_RE = re.compile(
    r"(?P<keys>[^.;:]*?)\b(?:are|were|is|of|to be|set to|as|=)\s+(?P<values>[^;]*?),?\s+respectively", re.I
)


# "respectively" before the values: "The momentum and decay are respectively set to 0.9 and 0.01."
_RESPECTIVE_FIRST_RE = re.compile(
    r"(?P<keys>[^.;:]*?)\b(?:are|were)\s+respectively\s+(?:set\s+(?:to|as)\s+|chosen\s+as\s+|equal\s+to\s+)?"
    r"(?P<values>[\d.,\s]+?(?:and|,)\s+[\d.]*\d)\s*(?:[.;]|$)",
    re.I,
)


def _respectively(document: Document, s: Sentence, scope, penalty: int) -> list[Candidate]:
    """ "We set the model size and FFN hidden size to be 512 and 2048, respectively": keys and values in order."""
    m = _RESPECTIVE_RE.search(s.text) or _RESPECTIVE_FIRST_RE.search(s.text)
    if not m:
        return []
    keys_text = m.group("keys")
    spans = sorted(
        (
            (k.start(), -k.end(), key)
            for rx, key in _RESPECTIVE_KEYS
            for k in re.finditer(rf"\b{rx}\b", keys_text, re.I)
        )
    )
    keys, end = [], -1
    for start, neg_end, key in spans:  # "FFN hidden size" is one key, not also "hidden size"
        if start >= end:
            keys.append(key)
            end = -neg_end
    numbers = [parse_number(v.group(0)) for v in NUMBER_RE.finditer(m.group("values"))]
    if len(keys) < 2 or len(keys) != len(set(keys)) or len(numbers) != len(keys) or None in numbers:
        return []
    quote = make_quote(document, s.page, s.text, m.start(), m.end())
    if quote is None:
        return []
    by_key = {p.key: p for p in PATTERNS if p.check is not None}
    out = []
    for key, x in zip(keys, numbers, strict=True):
        bound = by_key.get(key)
        if bound is not None and bound.check and not bound.check(x):
            return []  # one implausible value means the reading is wrong: take none
        out.append(Candidate(key, as_json_number(x), s.page, quote, 1, penalty, s.index, scope))
    return out


# "It has 8 blocks and a width of 512-d": the subject is the previous sentence's ("our default decoder is light")
_PRONOUN_DEPTH = re.compile(
    r"^(?:It|This (?:network|model|architecture|encoder|decoder|backbone))\s+(?:has|contains|consists of|is composed of|"
    r"comprises)\s+(?:a total of )?(?P<v>\d{1,4}|"
    + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
    + r")\s+"
    r"(?:(?:convolutional|transformer|residual|hidden|weight|recurrent|LSTM|attention)\s+)?(?:layers|blocks)\b",
)
_OWN_SUBJECT = re.compile(r"\b(?:our|the proposed|we)\b", re.I)


def _pronoun_depth(document: Document, s: Sentence, before: Sentence, scope, penalty: int) -> list[Candidate]:
    """A depth stated with a pronoun subject that the previous sentence names as the paper's own network or one of
    its parts: "Overall, our default decoder is lightweight. It has 8 blocks" -> num_decoder_layers = 8."""
    m = _PRONOUN_DEPTH.match(s.text)
    if not m or not _OWN_SUBJECT.search(before.text):
        return []
    subject = m.group(0) + " " + before.text
    key = (
        "num_decoder_layers"
        if re.search(r"\bdecoder\b", subject, re.I)
        else "num_encoder_layers"
        if re.search(r"\bencoder\b", subject, re.I)
        else "num_layers"
    )
    x = parse_number(m.group("v"))
    if x is None or not 1 <= x <= 1000:
        return []
    quote = make_quote(document, s.page, s.text, m.start(), m.end())
    if quote is None:
        return []
    return [Candidate(key, as_json_number(x), s.page, quote, 1, penalty, s.index, scope)]


def _defined(document: Document, s: Sentence, scope, penalty: int) -> list[Candidate]:
    """ "where V = 50277 is the vocabulary size", "the hidden size H = 768": a symbol defined with its value and
    named with the vocabulary of a canonical key (grammar.defined_values)."""
    if "=" not in s.text:
        return []
    bounds = {p.key: p.check for p in PATTERNS if p.check is not None}
    out = []
    for key, x, start, end in defined_values(s.text):
        check = bounds.get(key)
        if check is not None and not check(x):
            continue
        quote = make_quote(document, s.page, s.text, start, end)
        if quote is not None:
            out.append(Candidate(key, as_json_number(x), s.page, quote, 1, penalty, s.index, scope))
    return out


_SLASHED_VALUES = re.compile(r"(?<![\w./])(\d*\.?\d+(?:/\d*\.?\d+)+)(?![\w/])")
_SLASHED_NAMES = re.compile(r"\b([A-Z][\w]*)-([\w.]+(?:/[\w.]+)+)")


def _per_variant(document: Document, s: Sentence, variant_names: list[str], penalty: int) -> list[Candidate]:
    """ "Stochastic depth rates (e.g., 0.1/0.4/0.5/0.5) are for each model (e.g., ConvNeXt-T/S/B/L) respectively":
    one value per named variant, in order. Only with one key named, as many values as names, every name a
    variant of the paper, and every value within the key's bounds."""
    values_m, names_m = _SLASHED_VALUES.search(s.text), _SLASHED_NAMES.search(s.text)
    if not values_m or not names_m:
        return []
    keys = {key for rx, key in _RESPECTIVE_KEYS + _PER_VARIANT_KEYS if re.search(rf"\b{rx}\b", s.text, re.I)}
    values = [parse_number(v) for v in values_m.group(1).split("/")]
    by_lower = {v.lower(): v for v in variant_names}
    names = [
        by_lower.get(n.lower()) or by_lower.get(f"{names_m.group(1)}-{n}".lower())
        for n in names_m.group(2).split("/")
    ]
    if len(keys) != 1 or len(values) != len(names) or None in names or None in values:
        return []
    key = keys.pop()
    bound = next((p.check for p in PATTERNS if p.key == key and p.check is not None), None)
    if bound is not None and not all(bound(x) for x in values):
        return []
    quote = make_quote(document, s.page, s.text, values_m.start(), names_m.end())
    if quote is None:
        return []
    return [
        Candidate(key, as_json_number(x), s.page, quote, 1, penalty, s.index, ("variant", name))
        for name, x in zip(names, values, strict=True)
    ]


# a table header of model groups only: "(Net-S/M/L) (Net-L/XL)", one group per column
_NAME_GROUPS = re.compile(r"^\s*(?:\(\s*[A-Z][\w]*-[\w.]+(?:/[\w.]+)+\s*\)\s*)+$")


def _slashed_row(document: Document, s: Sentence, header: str, variant_names: list[str]) -> list[Candidate]:
    """A flattened table row under a header of model groups: "(Net-S/M/L) ..." then "Drop path 0.1/0.2/0.3 ...":
    the row's label names one key, its first cell holds one value per model of the first group, in order."""
    values_m = _SLASHED_VALUES.search(s.text)
    names_m = _SLASHED_NAMES.search(header)
    if not values_m or not names_m:
        return []
    label = s.text[: values_m.start()].strip()
    key = label_key(label, allow_symbols=False) if len(label.split()) <= 4 else None
    if key is None:
        return []
    values = [parse_number(v) for v in values_m.group(1).split("/")]
    by_lower = {v.lower(): v for v in variant_names}
    names = [
        by_lower.get(n.lower()) or by_lower.get(f"{names_m.group(1)}-{n}".lower())
        for n in names_m.group(2).split("/")
    ]
    if len(values) != len(names) or len(names) < 2 or None in names or None in values:
        return []
    bound = next((p.check for p in PATTERNS if p.key == key and p.check is not None), None)
    if bound is not None and not all(bound(x) for x in values):
        return []
    if key in ("dropout", "stochastic_depth", "label_smoothing") and not all(0 <= x < 1 for x in values):
        return []
    quote = make_quote(document, s.page, s.text, 0, values_m.end())
    if quote is None:
        return []
    return [
        Candidate(key, as_json_number(x), s.page, quote, 1, 0, s.index, ("variant", name))
        for name, x in zip(names, values, strict=True)
    ]


_PER_VARIANT_KEYS = [(r"stochastic depth(?: rates?)?", "stochastic_depth")]


def _clauses(text: str) -> list[tuple[str, tuple[str, str] | None, int]]:
    """A sentence, or its clauses when it contrasts two parts of a model ("the generator used X, while the
    discriminator used Y"): each clause is then scoped to the part it is about."""
    parts = {m.group(1).lower() for m in COMPONENT_RE.finditer(text)}
    if len(parts) < 2 or not re.search(r",? (?:while|whereas) |; ", text):
        return [(text, None, 0)]
    out = []
    start = 0
    for m in list(re.finditer(r",? (?:while|whereas) |; ", text)) + [None]:
        end = m.start() if m else len(text)
        clause = text[start:end]
        comp = COMPONENT_RE.search(clause)
        out.append((clause, ("variant", comp.group(1).lower()) if comp else None, start))
        start = m.end() if m else end
    return out


# a table flattened into text with one column per task or model ("# Epochs 10 10 20 20 10"): which number
# belongs to the main configuration cannot be told, so no number is read from it
_GRID = re.compile(
    r"(?<![\w.])" + NUMBER_RE.pattern + r"(?:\s+" + NUMBER_RE.pattern + r"){2,}(?![\w.])", re.I
)


def _match(
    document: Document, s: Sentence, text: str, offset: int, scope, penalty: int, stated_with_numbers: bool
) -> list[Candidate]:
    found: list[Candidate] = []
    low = text.lower()
    live = {key for key, hints in KEY_HINTS.items() if any(h in low for h in hints)}
    grid = bool(_GRID.search(text))
    table = table_like(text)
    for pattern in PATTERNS:
        if pattern.key not in live or (grid and pattern.value is None):
            continue
        if table and pattern.regex.pattern.startswith("(?P<v>"):
            continue  # "Batch Size 256 Warmup Updates 2048": a number before a label is the previous cell's
        if pattern.need is not None and not pattern.need.search(s.text):
            continue
        for m in pattern.regex.finditer(text):
            if _COMPARED_PAREN.search(text[max(0, m.start() - 80) : m.start()]):
                continue
            value = _value(pattern, m)
            if (
                value is None
                or _cut_number(text, m, pattern)
                or _replaced(text, m, pattern)
                or _avoided(text, m, pattern)
            ):
                continue
            if _flattened_power(document, s.page, m, pattern):
                continue
            quote = make_quote(document, s.page, s.text, offset + m.start(), offset + m.end())
            if quote is None:
                continue
            rank = pattern.rank + (1 if pattern.value is not None and not stated_with_numbers else 0)
            sized = _SIZED_MODEL_TAIL.match(text, m.end())
            if sized and scope is None:  # "over the first 2000 steps in OPT-175B, or ...": that model's value
                found.append(
                    Candidate(
                        pattern.key, value, s.page, quote, rank, penalty, s.index, ("variant", sized["name"])
                    )
                )
                break
            found.append(Candidate(pattern.key, value, s.page, quote, rank, penalty, s.index, scope))
            break  # one value per pattern and sentence
    found += _searched_lists(document, s, text, offset, scope, penalty)
    return found


# a value whose clause goes on "in/for <Model-175B>": stated for one model size the paper names by its size
_SIZED_MODEL_TAIL = re.compile(
    r"\s*(?:[a-z-]+\s+){0,2}?(?:in|for|of)\s+(?:the\s+)?(?P<name>[A-Z][\w.]*-\d+(?:\.\d+)?[MBK])\b(?![\w-])"
)


# "Batch size: 16, 32", "Learning rate (Adam): 5e-5, 3e-5, 2e-5": a key with the list of values the paper tried
# (a grid is a list, DESIGN). A definition line of the key's name, a colon and two or more numbers.
_SEARCHED_LIST = re.compile(
    r"(?:^|(?<=[•·∙◦▪\-–]\s)|(?<=\s))(?P<label>[A-Z][A-Za-z .()/-]{2,40}?):\s*"
    r"(?P<list>" + NUMBER_RE.pattern + r"(?:\s*,\s*" + NUMBER_RE.pattern + r"){1,7})(?![\w.,]|,\s*\d)"
)


def _searched_lists(
    document: Document, s: Sentence, text: str, offset: int, scope, penalty: int
) -> list[Candidate]:
    from mlintern.tools.paper.tables import _cell_value  # a cell's value with the key's bounds

    out: list[Candidate] = []
    for m in _SEARCHED_LIST.finditer(text):
        key = label_key(m.group("label"), allow_symbols=False)
        if key is None or key in ("optimizer", "lr_schedule"):
            continue
        values = [_cell_value(key, x.strip(), m.group("label")) for x in m.group("list").split(",")]
        if any(v is None for v in values) or len(set(map(repr, values))) < 2:
            continue
        quote = make_quote(document, s.page, s.text, offset + m.start("label"), offset + m.end())
        if quote is not None:
            out.append(Candidate(key, values, s.page, quote, 0, penalty, s.index, scope))
    return out


def _variant_mention(name: str) -> re.Pattern:
    word = re.escape(name)
    return re.compile(
        rf"\b(?:for|of|the|our)\s+(?:the\s+)?{word}\s+models?\b|\b{word}\s+models?\s+(?:were|was|is|are)\b"
        rf"|^{word}\s*:",
        re.I,
    )


def choose(cands: list[Candidate]) -> tuple[dict[str, Candidate], list[str]]:
    """One candidate per key: most explicit pattern, then outside ablations, then first in the paper.

    A different value stated elsewhere becomes a warning, so nothing is silently dropped.
    """
    by_key: dict[str, list[Candidate]] = {}
    for c in cands:
        if c.key in STRICT_KEYS and (c.aside or c.penalty):
            continue  # "a DenseNet-201 with 20M parameters yields similar error as ...", or the introduction's
            # "a challenge for GPT-3 with 175 billion parameters": an example, not the model
        by_key.setdefault(c.key, []).append(c)
    chosen: dict[str, Candidate] = {}
    warnings: list[str] = []
    for key, cs in by_key.items():
        cs.sort(key=lambda c: (c.penalty, c.rank, c.index))
        best = cs[0]
        chosen[key] = best
        others = sorted(
            {
                _fmt(c.value) + f" (p. {c.page})"
                for c in cs[1:]
                if c.value != best.value and c.penalty == 0 and c.rank <= best.rank
            }
        )
        if others:
            warnings.append(
                f"{key}: kept {_fmt(best.value)} (p. {best.page}); the paper also states "
                + ", ".join(others[:3])
            )
    return chosen, warnings


def _fmt(v) -> str:
    return repr(v) if isinstance(v, str) else str(v)
