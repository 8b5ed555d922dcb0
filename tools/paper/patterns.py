"""How papers state hyperparameters in prose: one list of patterns per canonical key.

Each ``Pattern`` is a regular expression over one sentence. Its ``v`` group is
the number (read by ``parse_number``); patterns for categorical keys give the
value directly. ``need`` is a second expression the sentence must also match
(context, e.g. "initializ" for an init std), ``avoid`` is context that rules a
match out: it is searched in the match's own clause, from the clause start to
the end of the match and a few words past it ("a warmup for 500 steps"), so
one sentence can state a run's length and a warmup's. ``rank`` orders patterns
of one key from most to least explicit, and ``check`` bounds plausible values,
so a pattern that fires on the wrong number yields nothing rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mlintern.tools.paper.text import NUMBER

V = rf"(?P<v>{NUMBER})"
V2 = rf"(?P<v2>{NUMBER})"
# a value that may be a number word with a scale ("one thousand hidden units"); only where counts are written so
VW = rf"(?P<v>{NUMBER}(?:\s(?:hundred|thousand|million)\b)?)"
CITE = r"(?:\s*\[[\d,\s\u2013-]+\])?(?:\s*\([A-Z][^()]{0,50}?\d{4}[a-z]?\))?"
SET = (
    r"\s*(?:(?:is|was|were|are|has been)\s+)?(?:of|=|:|is|was|were|are|to be|to|at|as|set to|\(set to|of value|"
    r"equal to|initiali[sz]ed (?:at|to|as)|initially set to|starts? (?:from|at)|starting (?:from|at)|fixed (?:at|to))?\s*"
    r"(?:a |an |the )?(?:value of\s*|rate of\s*)?"
)


@dataclass(frozen=True)
class Pattern:
    key: str
    regex: re.Pattern
    rank: int = 0
    value: object = None  # fixed value (categorical keys, "without momentum" -> 0)
    need: re.Pattern | None = None
    check: Callable[[float], bool] | None = None
    group: str = "v"
    avoid: re.Pattern | None = None


def _p(key, regex, rank=0, value=None, need=None, check=None, group="v", avoid=None) -> Pattern:
    flags = re.IGNORECASE
    return Pattern(
        key,
        re.compile(regex, flags),
        rank,
        value,
        re.compile(need, flags) if need else None,
        check,
        group,
        re.compile(avoid, flags) if avoid else None,
    )


def prob(x: float) -> bool:
    return 0 <= x < 1


def small(x: float) -> bool:
    return 0 < x < 1


def positive_int(lo: float, hi: float) -> Callable[[float], bool]:
    return lambda x: lo <= x <= hi and x == int(x)


def between(lo: float, hi: float) -> Callable[[float], bool]:
    return lambda x: lo <= x <= hi


TRAIN_CONTEXT = r"train|optimi|learn|update|minibatch|mini-batch|batch|use|using|employ|adopt"
# a step count that is a phase or an interval of the run, not its length: "a linear warmup for 500 steps",
# "the learning rate is kept constant for 500 steps, then ...", "we evaluate every 500 steps"
NOT_RUN_LENGTH = (
    r"warm-?(?:ed |ing )?up|ramp|increas|decay|anneal|constant|fixed|learning rate|\blr\b|freez|frozen|"
    r"evaluat|validat|\btest|\blog|checkpoint|sampl|decod|inference|every|each|first|last|per\b|"
    r"steps?\W+(?:then|after which|before|followed by)\b"
)
# grammar pieces shared by several keys
BY_FACTOR = r"by (?:a factor of )?\S+"  # "divided by 10", "reduced by a factor of 10"
EVERY_INTERVAL = r" every \d+(?:\.\d+)?"  # "... every 30 epochs", "every 2.4 epochs"
STACK_OF = r"(?:a\s+)?stack of (?:N\s*=\s*)?"  # "a stack of N = 6 identical layers"
MODEL_WORD = r"(?:network|net|model|LSTMs?|RNNs?|transformer|architecture|encoder|decoder|\w+-\d+)"

PATTERNS: list[Pattern] = [
    # ---------------------------------------------------------------- optimiser
    _p("optimizer", r"\bAdamW\b|\bdecoupled weight decay\b", 0, "adamw", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bAdam\b(?!W)(?:\s+optimi[sz](?:er|ation))?", 1, "adam", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bRMS-?Prop", 1, "rmsprop", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bAdagrad\b", 1, "adagrad", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bAdadelta\b", 1, "adadelta", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bAdafactor\b", 1, "adafactor", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bLAMB\b", 1, "lamb", need=TRAIN_CONTEXT),
    _p("optimizer", r"\bLARS\b", 1, "lars", need=TRAIN_CONTEXT),
    _p(
        "optimizer",
        r"\bSGD\b|stochastic gradient descent|stochastic back-?propagation|"
        r"Nesterov(?:'s)? (?:accelerated gradient|momentum)",
        1,
        "sgd",
        need=TRAIN_CONTEXT,
    ),
    # a value changed from the suggested one: "leaving β1 at 0.9 resulted in instability while reducing it to 0.5"
    _p(
        "adam_beta1",
        r"\b(?:β|beta)\s?1\b(?:[^.;]|\.\d){0,120}?\b(?:reducing|lowering|decreasing|increasing|raising|changing|"
        r"setting) it to " + V,
        0,
        check=small,
    ),
    # ------------------------------------------------------------ learning rate
    _p(
        "learning_rate",
        r"(?:raise|increase|warm(?:ed)? up)\w* the learning rate from " + NUMBER + r" to " + V,
        0,
        check=between(1e-7, 10),
    ),
    # the peak a warmup reaches is the learning rate: "learning rate is first warmed up from 0 to 0.256"
    _p(
        "learning_rate",
        r"\blearning rate (?:is |was )?(?:first |linearly |gradually )*(?:warm(?:ed|s)? up|increased|ramped up) "
        r"(?:linearly |gradually )?from " + NUMBER + r" to " + V,
        0,
        check=between(1e-7, 10),
    ),
    # the value used in place of another: "the suggested learning rate of 0.001 ... using 0.0002 instead"
    _p(
        "learning_rate",
        r"\blearning rate\b(?:[^.;]|\.\d){0,60}?\b(?:using|use|used|chose|choose|set it to) "
        + V
        + r" instead\b",
        0,
        check=between(1e-7, 10),
    ),
    # a change stated with its result: "the initial learning rate was increased by a factor of 5, to 0.0075"
    _p(
        "learning_rate",
        r"\b(?:initial |base )?learning rate (?:was |is )?(?:increased|decreased|raised|lowered|reduced|scaled|"
        r"multiplied|divided)\b(?: "
        + BY_FACTOR  # the factor, then the resulting value
        + r")?,? to "
        + V
        + r"\b",
        1,
        check=between(1e-7, 10),
    ),
    _p(
        "learning_rate",
        r"\b(?:learning rate|lr|Adam step ?size)\b"
        + CITE
        + r"(?:\s*\(\s*lr\s*\))?(?:\s*[ηα])?"
        + SET
        + V
        + r"(?!\s*(?:times|x\b|×|%))",
        1,
        check=between(1e-7, 10),
    ),
    _p(
        "learning_rate",
        r"(?:initial|base|peak|max(?:imum)?) (?:learning rate|lr)\s*(?:of\s*)?" + V,
        1,
        check=between(1e-7, 10),
    ),
    _p(
        "learning_rate",
        r"\bwith " + V + r" for \d+ (?:more )?(?:epochs|iterations|passes|steps), then",
        2,
        check=between(1e-7, 1),
    ),
    _p(
        "learning_rate",
        V + r" for the first (?:\w+ )?(?:passes|epochs|iterations)",
        2,
        need=r"learning rate",
        check=between(1e-7, 1),
    ),
    # --------------------------------------------------------------- schedule
    _p(
        "lr_schedule",
        r"inverse square root|inverse[- ]sqrt|rsqrt",
        0,
        "inverse_sqrt",
        need=r"learning rate|\blr\b|schedul|warm-?up|step",
    ),  # not the inverse square root of a covariance
    _p(
        "lr_schedule",
        r"cosine (?:learning rate )?(?:schedule|decay|annealing|decaying)|cosine learning rate|"
        r"(?:anneal|decay)(?:ed|s)? (?:\S+ ){0,5}?(?:using|with|following|by|via) (?:a |the )?cosine\b|cosine schedule",
        0,
        "cosine",
    ),
    # a flattened hyperparameter table row: its label, then the first column's value ("LR decay schedule Cosine")
    _p("lr_schedule", r"(?:\bLR|learning rate) (?:decay )?schedul\w*\s*:?\s*cosine\b", 0, "cosine"),
    _p(
        "lr_schedule",
        r"when the (?:validation )?(?:error|loss|accuracy)(?: rate)? (?:plateaus|stopped improving|"
        r"stops improving|stopped decreasing|stops decreasing)",
        0,
        "plateau",
    ),
    _p(
        "lr_schedule",
        r"(?:divided|divide it|divide the learning rate|lowered|reduced|decreased|dropped|multiplied)"
        r"(?: it)? by (?:a factor of )?\S+(?: times)? at (?:epochs?|iterations?|steps?|\d)",
        0,
        "step",
    ),
    _p(
        "lr_schedule",
        r"(?:decay\w*|divided|multiplied|reduced|decreased|dropped|lowered|scaled) "
        + BY_FACTOR
        + EVERY_INTERVAL
        + r" "
        r"(?:epochs|iterations|steps)",
        0,
        "step",
    ),
    _p(
        "lr_schedule",
        r"halv\w+ the learning rate every|learning rate (?:is |was )?(?:halved|divided by \S+) every",
        0,
        "step",
    ),
    _p("lr_schedule", r"for \d+ epochs, then " + NUMBER + r" for", 0, "step"),
    # "the (learning) rate is changed to 10−3 after 50K iterations": a new value at a milestone
    _p(
        "lr_schedule",
        r"\brate (?:is |was )?(?:then )?(?:changed|decreased|reduced|lowered|dropped|decayed|switched|set) to "
        + NUMBER
        + r" (?:after|at) (?:epoch |iteration |step )?[\d.,]+[kKM]?(?: (?:epochs|iterations|steps|updates))?",
        0,
        "step",
    ),
    _p(
        "lr_schedule",
        NUMBER + r" for the first (?:\w+ )?(?:passes|epochs); " + NUMBER + r" for the next",
        0,
        "step",
        need=r"learning rate",
    ),
    _p(
        "lr_schedule",
        r"decay(?: rate| factor)? (?:of )?" + NUMBER + r" (?:per|every) epoch|exponential(?:ly)? "
        r"(?:learning rate )?(?:decay|schedule)",
        0,
        "exponential",
    ),
    # "polynomial decay", "poly learning rate policy", "a polynomial learning rate schedule"
    _p(
        "lr_schedule",
        r"\bpoly(?:nomial)? (?:(?:decay|learning rate|lr) ){1,2}(?:schedul\w*|polic\w*|strateg\w*)|"
        r"\bpoly(?:nomial)?(?:ly)? decay(?:ed|s|ing)?\b",
        0,
        "polynomial",
    ),
    # the words between "linear" and "decay" are prose, not the cells of a flattened table ("Linear None Weight decay")
    _p(
        "lr_schedule",
        r"linear(?:ly)?\s(?:(?!cosine|exponential|step)(?-i:[a-z][\w-]*)\s){0,4}?decay|decay(?:ed|s)? linearly|"
        r"linear (?:learning rate )?schedule",
        0,
        "linear",
    ),
    _p("lr_schedule", r"(?:constant|fixed) learning rate", 2, "constant"),
    # ------------------------------------------------------------------ warmup
    _p("warmup_steps", r"warmup_steps\s*=\s*" + V, 0, check=positive_int(10, 1e6)),
    _p(
        "warmup_steps",
        r"warm(?:ed|ing)?[- ]?up (?:of|for|over|during) (?:the first )?"
        + V
        + r" (?:training )?(?:steps|iterations|updates)",
        0,
        check=positive_int(10, 1e6),
    ),
    _p(
        "warmup_steps",
        V + r" (?:linear )?(?:learning rate |lr )?(?:warm-?up|warming-?up)(?: steps| iterations| updates)?\b",
        1,
        check=positive_int(10, 1e6),
    ),
    # VALUE UNIT KEY: "a 175 step linear warmup", "2,000 iterations of learning rate warm-up"
    _p(
        "warmup_steps",
        V
        + r"[- ](?:steps?|iterations?|updates?) (?:of )?(?:linear |gradual )?(?:learning rate |lr )?warm-?up\b",
        0,
        need=r"warm-?up",  # a cheap test before the number-first search
        check=positive_int(10, 1e6),
    ),
    _p(
        "warmup_steps",
        r"(?:over|during|for) the first " + V + r" (?:training )?(?:updates|steps|iterations)",
        1,
        need=r"warm|increas\w* linearly|linearly increas|ramp",
        check=positive_int(10, 1e6),
    ),
    _p(
        "warmup_epochs",
        V + r"[- ]epochs? (?:of )?(?:linear |gradual )?(?:learning rate |lr )?warm-?up",
        0,
        check=between(0.1, 100),
    ),
    # KEY [cite] VALUE, as a flattened settings table writes it: "warmup epochs [26] 40"
    _p("warmup_epochs", r"warm-?up epochs" + CITE + SET + V + r"\b", 0, check=between(0.1, 100)),
    _p(
        "warmup_epochs",
        r"warm-?up (?:of|for|over|during) (?:the first )?" + V + r" epochs",
        0,
        check=between(0.1, 100),
    ),
    # --------------------------------------------------------------- batches
    _p(
        "batch_tokens",
        r"batch size (?:is |was |of |= |: )?(?:about |approximately |roughly )?" + V + r" tokens",
        0,
        check=between(1000, 1e9),
    ),
    _p(
        "batch_tokens",
        r"batch(?:es)? contain\w* [^.;]{0,80}?(?:approximately |about |roughly )?"
        + V
        + r" (?:source )?tokens",
        1,
        check=between(1000, 1e9),
    ),
    _p(
        "batch_size",
        r"(?:mini-?batch|batch)(?:es)? sizes? (?:of |is |was |= |to |set to |:)?(?:about )?"
        + V
        + r"(?!\s*(?:tokens|[kKMB]\b|GPUs?|machines))",
        0,
        check=positive_int(1, 1e6),
    ),
    _p(
        "warmup_steps",
        r"warm-?up (?:steps|updates|iterations)\s*(?:of|=|is|to|was|:)?\s*" + V,
        0,
        check=positive_int(10, 1e6),
    ),
    _p(
        "batch_size",
        r"(?:mini-?batch|batch)(?:es)? of size " + V + r"\b(?!\s*(?:tokens|GPUs?|[kKMB]\b))",
        0,
        check=positive_int(1, 1e6),
    ),
    _p(
        "batch_size",
        r"(?:mini-?batch|batch)(?:es)? of (?:size )?"
        + V
        + r" (?:\w+ ){0,4}?(?:sequences|examples|images|samples"
        r"|sentences|pairs|randomly)",
        1,
        check=positive_int(1, 1e6),
    ),
    # ------------------------------------------------------------ durations
    _p(
        "epochs",
        r"(?:for|total of|about|roughly|approximately|train\w* (?:for|during))\s+(?:about |roughly |approximately |a total of )?"
        + V
        + r"(?:\s*(?:and|or|/)\s*\d+)?\s+(?:training )?epochs",
        0,
        check=between(0.5, 10000),
    ),
    # KEY VALUE: "the number of epochs is 300", a flattened settings table's "Num. epochs 10"
    _p(
        "epochs",
        r"\b(?:num(?:ber)?\.? of (?:training )?|num\.? |#\s?)epochs"
        + SET
        + V
        + r"\b(?!\s*(?:and|or|to)\s+\d)",
        1,
        check=between(0.5, 10000),
    ),
    _p(
        "epochs",
        V + r"\s+(?:cycles|passes|iterations|sweeps|epochs) (?:through|over) the (?:entire |whole )?"
        r"(?:training )?(?:set|data|dataset)",
        0,
        check=between(0.5, 10000),
    ),
    _p(
        "train_steps",
        r"(?:for|total of|up to|terminate training at|trained for)\s+(?:up to |a total of |about |roughly )?"
        + V
        + r"\s+(?:training )?(?:steps|iterations|updates|batches)",
        0,
        need=r"train",
        check=positive_int(1, 1e9),
        avoid=NOT_RUN_LENGTH,
    ),
    _p(
        "train_steps",
        r"\btrain\w*\b[^.;]{0,40}?\b(?:with|over|using|takes|took|lasts|lasted|runs|ran)\s+(?:a total of |about |"
        r"roughly |only |just )?" + V + r"\s+training (?:steps|iterations|updates)",
        1,
        check=positive_int(1, 1e9),
        avoid=NOT_RUN_LENGTH,
    ),
    # the run's end: "training is stopped after 80K iterations", "we terminate training after 60k updates"
    _p(
        "train_steps",
        r"\btraining (?:is |was |has been )?(?:stopped|terminated|ended|halted|finished|completed) (?:after|at) "
        r"(?:about |roughly )?" + V + r"\s+(?:training )?(?:steps|iterations|updates)",
        0,
        check=positive_int(1, 1e9),
    ),
    _p(
        "epochs",
        r"\btraining (?:is |was |has been )?(?:stopped|terminated|ended|halted|finished|completed) (?:after|at) "
        r"(?:about |roughly )?" + V + r"\s+(?:training )?epochs",
        0,
        check=between(0.5, 10000),
    ),
    # a run length restated in another unit: "trained with 100B tokens, i.e., 25k steps", "(i.e. 300k steps)"
    _p(
        "train_steps",
        r"\btrain\w*\b[^.;]{0,60}?\bi\.\s?e\.,?\s+(?:about |roughly |approximately )?"
        + V
        + r"\s+(?:training )?(?:steps|iterations|updates)",
        1,
        check=positive_int(1, 1e9),
        avoid=NOT_RUN_LENGTH,
    ),
    # ---------------------------------------------------------- regularisers
    _p(
        "weight_decay",
        r"weight[- ]decay" + CITE + r"(?:\s*(?:coefficient|rate|factor))?" + SET + V,
        0,
        check=between(0, 1),
    ),
    _p(
        "weight_decay",
        r"L2 (?:regularization|penalty|weight decay|norm penalty)[^.;]{0,60}?(?:of|w\s*=|λ\s*=|=)\s*" + V,
        1,
        check=between(0, 1),
    ),
    _p(
        "weight_decay",
        r"(?<!rate )(?<!learning )\bdecay of " + V,
        2,
        need=r"momentum",
        check=between(0, 0.005),
    ),
    _p(
        "momentum",
        r"momentum" + CITE + r"(?:\s*(?:term|parameter|coefficient))?" + SET + V,
        0,
        check=between(0, 1),
    ),
    _p(
        "momentum", r"(?:decay and momentum|momentum and decay) (?:both )?set to " + V, 0, check=between(0, 1)
    ),
    _p("momentum", r"without momentum|no momentum|momentum of zero", 1, 0.0),
    _p("dropout", r"P_?drop\s*=\s*" + V, 0, check=prob),
    _p(
        "dropout",
        r"dropout" + CITE + r"(?:\s*(?:rate|probability|ratio))?(?:\s*(?:of|=|:|is|was|set to))\s*" + V,
        0,
        check=prob,
    ),
    _p(
        "dropout",
        r"dropouts? (?:layer )?(?:\w+ )?with (?:a )?(?:rate|probability|ratio)\s*(?:of|=)?\s*" + V,
        0,
        check=prob,
    ),
    _p("dropout", r"dropout[^.]{0,160}?with probability " + V, 1, check=prob),
    _p(
        "dropout",
        r"(?:do not|don't|did not|does not|we don't) (?:use|apply|employ) dropout|without dropout|no dropout",
        1,
        0.0,
    ),
    _p(
        "attention_dropout",
        r"attention dropouts?[^.]{0,40}?(?:rate|probability|of)\s*(?:of|=)?\s*" + V,
        0,
        check=prob,
    ),
    _p(
        "label_smoothing",
        r"label smoothing" + CITE + r"\s*(?:of|=|:|with)?\s*(?:value\s*)?(?:[ϵε]\s?ls\s*=\s*)?" + V,
        0,
        check=between(0.001, 0.5),
    ),
    _p("label_smoothing", r"[ϵε]\s?ls\s*=\s*" + V, 1, check=between(0.001, 0.5)),
    _p(
        "stochastic_depth",
        r"stochastic depth" + CITE + r"(?:\s*(?:rate|probability))?" + SET + V + r"(?!\s*/)",
        0,
        check=prob,
    ),
    # a survival / keep probability stated for stochastic depth: "stochastic depth with 0.8 survival probability"
    _p(
        "stochastic_depth",
        r"stochastic depth (?:with|of|using|at) (?:a |the )?(?P<keep>"
        + NUMBER
        + r") (?:survival|keep) prob(?:ability)?",
        0,
        check=prob,
        group="keep",
    ),
    _p(
        "grad_clip",
        r"(?:gradient|grad)s?(?: norm)? clipping" + CITE + r"(?:\s*(?:of|at|to|with|=))?\s*(?:a |the )?"
        r"(?:max(?:imum)? )?(?:global )?(?:gradient )?(?:norm )?(?:threshold )?(?:of |= )?" + V,
        0,
        check=between(0.01, 1000),
    ),
    _p(
        "grad_clip",
        r"clip(?:ped|ping)? (?:the )?(?:global )?(?:gradient|grad)s?(?: norms?)? (?:at|to) (?:a |the )?"
        r"(?:max(?:imum)? )?(?:global )?(?:norm )?(?:of )?" + V,
        0,
        check=between(0.01, 1000),
    ),
    _p(
        "grad_clip",
        r"\bif\s+\S{1,4}\s*>\s*" + V + r",?\s*(?:we\s+)?set\s+\S{1,3}\s*=",
        1,
        need=r".",
        check=between(0.01, 1000),
    ),
    _p("grad_clip", r"max(?:imum)? grad(?:ient)? norm\s*(?:of|=|:|is)?\s*" + V, 0, check=between(0.01, 1000)),
    _p(
        "grad_clip",
        r"norm of the gradients?\b[^.;]{0,80}?\bthreshold (?:of )?" + V,
        1,
        check=between(0.01, 1000),
    ),
    _p("init_std", r"N\s*\(\s*0\s*,\s*" + V + r"\s*\)", 0, need=r"initiali", check=between(1e-5, 1)),
    _p(
        "init_std",
        r"initiali[sz]\w*[^.]{0,120}?(?:standard deviation|std)\s*(?:of\s*|=\s*|σ\s*=\s*)?" + V,
        0,
        check=between(1e-5, 1),
    ),
    # ----------------------------------------------------------------- Adam
    _p(
        "adam_beta1", r"(?:β|\bbeta)\s?_?1\s*[=:]?\s*" + V, 0, check=small
    ),  # "β1 = 0.9", or a table's "β1 0.9"
    _p("adam_beta2", r"(?:β|\bbeta)\s?_?2\s*[=:]?\s*" + V, 0, check=small),
    _p(
        "adam_beta1",
        r"(?:β|\bbeta)\s?_?1\s*,\s*(?:β|\bbeta)\s?_?2\s*=\s*\(?" + V + r"\s*,\s*" + NUMBER,
        -1,
        check=small,
    ),
    _p(
        "adam_beta2",
        r"(?:β|\bbeta)\s?_?1\s*,\s*(?:β|\bbeta)\s?_?2\s*=\s*\(?" + NUMBER + r"\s*,\s*" + V,
        -1,
        check=small,
    ),
    _p(
        "adam_beta1",
        r"\((?:β|\bbeta)\s?_?1\s*,\s*(?:β|\bbeta)\s?_?2\)\s*=\s*\(" + V + r"\s*,\s*" + NUMBER,
        0,
        check=small,
    ),
    _p(
        "adam_beta2",
        r"\((?:β|\bbeta)\s?_?1\s*,\s*(?:β|\bbeta)\s?_?2\)\s*=\s*\(" + NUMBER + r"\s*,\s*" + V,
        0,
        check=small,
    ),
    _p(
        "adam_eps",
        r"(?:ϵ|ε|\bepsilon|\beps)(?![a-z])\s*[=:]?\s*" + V,
        0,
        need=r"adam|β|\bbeta",
        check=between(1e-12, 1e-3),
    ),
    # ------------------------------------------------------- architecture
    _p("num_encoder_layers", r"\bencoder\b[^.;]{0,30}?\b" + STACK_OF + V, 0, check=positive_int(1, 200)),
    _p("num_decoder_layers", r"\bdecoder\b[^.;]{0,30}?\b" + STACK_OF + V, 0, check=positive_int(1, 200)),
    _p("num_encoder_layers", V + r"[- ]layers? (?:transformer )?encoder\b", 1, check=positive_int(1, 200)),
    _p(
        "num_decoder_layers",
        V + r"[- ]layers? (?:transformer )?decoder\b(?!-only)",
        1,
        check=positive_int(1, 200),
    ),
    _p(
        "num_layers",
        V + r"[- ]layer (?:decoder-only |encoder-only |deep |causal )(?:transformer|model|network|LSTM)",
        0,
        check=positive_int(1, 1000),
    ),
    # a configuration listed after a verb of having: "It features 6 layers, 512 model dimensions, and 8 heads"
    _p(
        "num_layers",
        r"\b(?:features?|has|have|uses?|contains?|comprises?|consists of) "
        + V
        + r" (?:transformer |hidden )?layers\b",
        1,
        need=r"heads|dimension|hidden size|width|d_?model",
        check=positive_int(1, 1000),
    ),
    _p("d_model", V + r"[- ](?:model|hidden) dimensions?\b", 1, check=positive_int(8, 100000)),
    # "a 16-layer model with a hidden size of 128": the depth of the model whose configuration the sentence gives
    _p(
        "num_layers",
        r"\b(?:a|an|the|our) "
        + V
        + r"[- ]layers? (?:transformer |LSTM |recurrent |convolutional )?(?:model|network)"
        r"\b(?= with| of| has| that| consists)",
        1,
        need=r"hidden|dimension|heads|units|width|d_?model",
        check=positive_int(1, 1000),
    ),
    _p(
        "num_layers",
        r"\b"
        + MODEL_WORD
        + r"s? (?:with|has|contains|comprises|consists of) "
        + V
        + r" (?:(?:convolutional|recurrent|hidden|transformer|LSTM|weight|weighted) )?layers\b(?! each)",
        1,
        check=positive_int(1, 1000),
    ),
    # an MLP's shape: "two hidden layers of 64 units", "three hidden layers with 256 units each"
    _p(
        "num_layers",
        V
        + r" (?:fully[- ]connected |dense )?hidden layers,? (?:of|with|each (?:of|with)) (?:size )?\d+ (?:hidden )?"
        r"(?:units|neurons|nodes)",
        1,
        need=r"hidden layers",
        check=positive_int(1, 1000),
    ),
    _p(
        "d_model",
        r"hidden layers?,? (?:of|with|each (?:of|with)) (?:size )?"
        + VW
        + r" (?:hidden )?(?:units|neurons|nodes)",
        1,
        check=positive_int(8, 100000),
    ),
    _p(
        "d_model",
        VW + r" (?:hidden )?(?:units|neurons|nodes) (?:per|in each|in every|at each) (?:hidden )?layer",
        1,
        need=r"(?:units|neurons|nodes) (?:per|in each|in every|at each)",
        check=positive_int(8, 100000),
    ),
    _p("d_model", r"d_?model\s*=\s*" + V, 0, check=positive_int(8, 100000)),
    _p("d_model", V + r"[- ]dimensional (?:hidden )?states", 0, check=positive_int(8, 100000)),
    _p("d_model", V + r" cells (?:at|in) each layer", 0, check=positive_int(8, 100000)),
    # keys beside the canonical ones (DESIGN: "add others only beside them"): an RNN's word embeddings and deep-output
    # maxout layer have sizes of their own, apart from the hidden size; an adapter's rank and scaling alpha
    _p(
        "embedding_dim",
        r"\bword[- ]embeddings? (?:size|dimension|dimensionality|width)\s*(?:[a-z]\s+)?(?:of|=|is|to)?\s*"
        r"(?:(?:set to|equal to)\s*)?(?:[a-z]\s*=\s*)?" + V,
        0,
        check=positive_int(8, 100000),
    ),
    _p(
        "embedding_dim",
        V + r"[- ]dim(?:ensional)? (?:word |token )?embeddings?",
        0,
        check=positive_int(8, 100000),
    ),
    _p(
        "maxout_units",
        r"\bmaxout (?:hidden )?(?:layer|units?)\b[^.;\d]{0,40}?\b(?:is|of|=|has|with)\s*(?:[a-z]\s*=\s*)?"
        + V,
        0,
        check=positive_int(2, 100000),
    ),
    _p("maxout_units", V + r" maxout (?:hidden )?units", 0, check=positive_int(2, 100000)),
    _p(
        "lora_rank",
        r"\b(?:(?:lora|adapter|adaptation|decomposition) )?rank\s*(?:r\s*)?(?:of|=|is|to|set to)\s*(?:r\s*=\s*)?"
        + V,
        0,
        need=r"lora|low-rank|adapter|adaptation",
        avoid=r"\d\s+(?:and|or|vs\.?|versus)\s+\d",  # "with rank r = 8 and 64": ranks compared, none chosen
        check=positive_int(1, 4096),
    ),
    _p(
        "lora_alpha",
        r"\b(?:lora )?(?:α|alpha)\s*(?:of|=|is|to|set to)\s*" + V,
        0,
        need=r"\blora\b|low-rank",
        check=between(0.01, 4096),
    ),
    _p(
        "d_model",
        r"(?<!word )(?<!word-)(?<!character )(?<!char )(?<!position )(?<!positional )(?<!segment )"
        r"(?:hidden|model|embedding) (?:size|dimension|dimensionality|width)\s*(?:of|=|is)?\s*"
        r"(?:d\s*=\s*)?" + V,
        1,
        check=positive_int(8, 100000),
    ),
    _p(
        "d_model",
        r"(?:size of (?:a|the|each) hidden layer|hidden layer size|number of hidden units)(?: [a-z]\W?)?"
        r" (?:is|of|=)\s*" + V,
        1,
        check=positive_int(8, 100000),
    ),
    _p(
        "d_model",
        V + r" hidden units\b",
        2,
        need=r"recurrent|\bRNN|LSTM|GRU|encoder|decoder",
        check=positive_int(8, 100000),
    ),
    _p(
        "num_heads",
        r"\bh\s*=\s*" + V + r" (?:parallel )?(?:attention )?(?:layers|heads)",
        0,
        check=positive_int(1, 512),
    ),
    _p("num_heads", V + r" (?:parallel )?(?:self-)?attention heads", 0, check=positive_int(1, 512)),
    # VALUE heads in a configuration list: "a hidden size of 128 with 8 heads" (not a classifier's or output heads)
    _p(
        "num_heads",
        r"(?:with|and|using|has|of|,) " + V + r" heads\b",
        1,
        need=r"hidden|layer|transformer|attention|d_?model|dimension",
        avoid=r"(?:classification|prediction|output|detection|task|policy|value) heads",
        check=positive_int(1, 512),
    ),
    _p(
        "num_heads",
        r"(?:number of (?:attention )?heads|attention heads)\s*(?:of|=|is|to)?\s*(?:h\s*=\s*)?" + V,
        1,
        check=positive_int(1, 512),
    ),
    _p("d_head", r"d_?k\s*=\s*d_?v\s*=\s*(?:d_?model\s*/\s*h\s*=\s*)?" + V, 0, check=positive_int(4, 4096)),
    # "we set the head dimension to 64", "a per-head dimension of 128", "the dimension of each head is 64"
    _p(
        "d_head",
        r"\b(?:(?:attention |per[- ])?head (?:dimension|dim|size)|dimension (?:of|per) (?:each |every )?(?:attention )?head)"
        + SET
        + V,
        1,
        check=positive_int(4, 4096),
    ),
    _p("d_ff", r"d_?ff\s*=\s*" + V, 0, check=positive_int(8, 1e6)),
    _p("d_ff", V + r"[- ]dimensional inner states", 0, check=positive_int(8, 1e6)),
    _p(
        "d_ff",
        r"(?:inner[- ]layer|intermediate|feed-?forward|ffn|mlp) (?:has )?(?:dimension|dimensionality|size|hidden size)"
        r"(?: of the [\w -]{0,30}?)?\s*(?:of|=|is|was|to)?\s*" + V,
        1,
        check=positive_int(8, 1e6),
    ),
    _p(
        "vocab_size",
        r"vocabulary (?:size )?of (?:about |approximately |around )?" + V,
        0,
        check=positive_int(50, 1e7),
    ),
    _p(
        "vocab_size",
        V
        + r"[- ](?:(?:word-?piece|token|word|BPE|subword|sub-word|sentence-?piece|byte-level|unigram) )*vocabulary",
        0,
        check=positive_int(50, 1e7),
    ),
    _p("vocab_size", r"vocab(?:ulary)? size (?:of |= |is )?" + V, 0, check=positive_int(50, 1e7)),
    _p(
        "vocab_size",
        r"(?:shortlist|vocabulary|list) of (?:the )?" + V + r" most frequent (?:words|tokens)",
        1,
        check=positive_int(50, 1e7),
    ),
    _p(
        "context_length",
        r"(?:sequences|contexts?|windows?) of " + V + r" tokens",
        0,
        check=positive_int(8, 1e7),
    ),
    _p(
        "context_length",
        r"(?:sequences|contexts?|windows?|segments) of (?:max(?:imum|imal)? )?(?:length|size) "
        + V
        + r"\b(?! ?%)",
        1,
        check=positive_int(8, 1e7),
    ),
    _p(
        "context_length",
        r"(?:with |of |a |an |the )"
        + V
        + r"(?:[- ]tokens?)? (?:max(?:imum|imal)? |context |input )(?:sequence |context )?"
        r"(?:length|window)\b",
        1,
        check=positive_int(8, 1e7),
    ),
    _p(
        "context_length",
        r"(?:context (?:length|window|size)|sequence length|max(?:imum|imal)? (?:sequence )?length)"
        r"\s*(?:of|=|is|to)?\s*" + V + r"(?! ?%)",
        1,
        check=positive_int(8, 1e7),
    ),
    _p(
        "image_size",
        r"(?:to|at) " + V + r"\s?[×x]\s?" + V2 + r"(?!\s?[×x])",
        0,
        need=r"(?:input|training) resolution",
        check=positive_int(8, 4096),
    ),
    _p(
        "image_size",
        V
        + r"\s?[×x]\s?"
        + V2
        + r"(?:\s?[×x]\s?3)? (?:pixel |RGB |color |colour )?(?:input|(?:sub-?)?image|crop|pixel)s?\b(?! patch)",
        1,
        check=positive_int(8, 4096),
    ),
    _p(
        "image_size",
        r"(?:training|input|image) (?:resolution|size) (?:is|of) " + V + r"\b",
        1,
        check=positive_int(8, 4096),
    ),
    _p(
        "image_size", r"(?:training|input|testing) resolution is " + V + r"\b", 1, check=positive_int(8, 4096)
    ),
    _p(
        "image_size",
        r"\b(?:network|model|net)\s*\([^()]{0,40}?,\s*" + V + r"\s?[×x]\s?" + V2 + r"\s*\)",
        1,
        check=positive_int(8, 4096),
    ),
    # "pretrained on X at resolution 224 × 224", "at a resolution of 384×384"
    _p(
        "image_size",
        r"\bat (?:a |the )?resolution (?:of )?" + V + r"\s?[×x]\s?" + V2,
        1,
        check=positive_int(8, 4096),
    ),
    _p("image_size", r"input is an? " + V + r"\s+" + V2 + r" pixel image", 1, check=positive_int(8, 4096)),
    _p("image_size", r"inputs are " + V + r"\s?[×x]\s?" + V2 + r" images", 1, check=positive_int(8, 4096)),
    _p("in_channels", r"\d+\s?[×x]\s?\d+\s?[×x]\s?" + V + r" (?:input )?image", 0, check=positive_int(1, 4)),
    _p("patch_size", r"patch size (?:of |is |= )?" + V + r"\b", 0, check=positive_int(1, 64)),
    _p(
        "patch_size",
        r"\bpatches (?:of|with) (?:a )?(?:size|resolution) (?:of )?" + V + r"\s?[×x]\s?" + V2,
        0,
        check=positive_int(1, 64),
    ),
    _p(
        "patch_size",
        r"(?:into|to|split|extract\w*|of|use\w*|non-overlapping) "
        + V
        + r"\s?[×x]\s?"
        + V2
        + r" (?:non-overlapping |image |input )?patches\b(?! of (?:size|resolution))",
        1,
        check=positive_int(1, 64),
    ),
    _p("patch_size", r"\(" + V + r"\s?[×x]\s?" + V2 + r" non-overlapping conv", 0, check=positive_int(1, 64)),
    _p("kernel_size", r"kernel size (?:of )?" + V + r"\s?[×x]\s?" + V2, 0, check=positive_int(2, 15)),
    _p(
        "kernel_size",
        r"(?:mostly|all|always|each|uses?|using|have|has) (?:have |use |only |successive |mostly )?(?:an? )?"
        + V
        + r"\s?[×x]\s?"
        + V2
        + r"(?: and \d\s?[×x]\s?\d)? (?:depthwise |separable |convolutional |conv )?"
        r"(?:filters|kernels|conv\b|convolutions?|convolutional layers)",
        1,
        check=positive_int(2, 15),
        avoid=r"\[\d+(?:[,–-]\s?\d+)*\]|\bet al\b",  # "the VGG model [52] uses 3×3 convolutions": a cited work's
    ),
    # the block's depthwise convolution names its kernel: "the depthwise Conv3x3 layer", "a 7×7 depthwise conv"
    _p(
        "kernel_size",
        r"\bdepth-?wise conv(?:olution)?\s?" + V + r"\s?[×x]\s?" + V2 + r"\b",
        2,
        check=positive_int(2, 15),
    ),
    _p(
        "kernel_size", r"connected to an? " + V + r"\s+" + V2 + r" neighborhood", 1, check=positive_int(2, 15)
    ),
    _p(
        "num_classes",
        r"(?:consists? of|into|among|in|of|over|predict|with|from|defines?) "
        + V
        + r" (?:(?:(?!training|test)[a-z-]+ )?classes\b|"
        r"(?:object |image |semantic |different )?categories\b)",
        0,
        check=positive_int(2, 1e6),
    ),
    _p("num_classes", V + r"-way softmax", 0, check=positive_int(2, 1e6)),
    _p(
        "num_classes",
        V + r" class (?:predictions|probabilities|scores|logits)",
        1,
        need=r"class (?:predictions|probabilities|scores|logits)",
        check=positive_int(2, 1e6),
    ),
    _p("num_classes", r"out of " + V + r" possibilities", 0, check=positive_int(2, 1e6)),
    _p("num_classes", r"\bC\s*=\s*" + V, 1, need=r"class", check=positive_int(2, 1e6)),
    _p(
        "num_params",
        r"\b(?:our |the )?" + MODEL_WORD + r"(?: in (?:Fig\.|Figure|Table) ?\d+)?(?: \([^()]{0,40}\),?)?"
        r"(?:,? which)?(?: (?:has|requires|needs) [^.;]{0,50}?(?:FLOPs|MACs|MAdds|multiply-adds|operations) and)? (?:only )?(?:has|have|contains|uses|with|"
        r"comprises)\s+(?:about |approximately |roughly |only |a total of )?(?:[\d ,]+ connections, but only )?"
        + V
        + r"\s*(?:trainable |free |learnable )*(?:free )?parameters",
        0,
        check=between(1000, 1e13),
    ),
    # "we trained this 557-million-parameter network", "we release a 1.3B-parameter model"
    _p(
        "num_params",
        r"\b(?:train(?:ed)?|build|built|present|introduce|release[sd]?|use[sd]?|scal\w+ up to) "
        r"(?:this|our|the|a|an) " + V + r"[- ]param(?:eter)?s?\b",
        0,
        need=r"\b(?:we|our)\b",
        check=between(1000, 1e13),
    ),
    _p(
        "growth_rate",
        r"growth rate\b[^.;\d]{0,30}?(?:is|of|=|:)\s*(?:k\s*=\s*)?" + V,
        0,
        check=positive_int(1, 512),
    ),
    _p("width_multiplier", r"width multiplier (?:of |= |α\s*=\s*)?" + V, 0, check=between(0.05, 4)),
    # ------------------------------------------------------------ categorical
    _p(
        "norm",
        r"(?:substitut\w*|replac\w*) (?:the )?(?:BN|batch ?norm\w*) (?:layers )?(?:with|by) (?:LN|layer ?norm)",
        0,
        "layernorm",
    ),
    _p(
        "norm",
        r"\bRMSNorm\b|root mean square layer normali[sz]ation",
        1,
        "rmsnorm",
        need=TRAIN_CONTEXT + r"|normaliz",
    ),
    _p("norm", r"local response normali[sz]ation", 1, "localresponsenorm"),
    # a symbol defined in an equation's "where" clause: "where LN(·) is LayerNorm", "Norm denotes layer normalization"
    _p(
        "norm",
        r"\b(?:where|and|with)\s+\w{1,6}\s*(?:\(\s*[·.⋅∙]?\s*\))?\s*(?:is|denotes|represents|stands for|means)\s+"
        r"(?:the\s+|a\s+)?(?:LayerNorm|layer normali[sz]ation)\b",
        1,
        "layernorm",
    ),
    _p(
        "norm",
        r"\b(?:where|and|with)\s+\w{1,6}\s*(?:\(\s*[·.⋅∙]?\s*\))?\s*(?:is|denotes|represents|stands for|means)\s+"
        r"(?:the\s+|a\s+)?(?:RMSNorm|root mean square (?:layer )?normali[sz]ation)\b",
        1,
        "rmsnorm",
    ),
    # a layout named by its norm: "pre-LayerNorm", "Pre-LN", "post-LN" (the norm position pattern says where)
    _p("norm", r"\b(?:pre|post)-?(?:LayerNorm|LN|layer normali[sz]ation)\b", 2, "layernorm"),
    # "the order of layer normalization and the residual connection": the model has layer norm
    _p(
        "norm",
        r"(?:order|position|placement)s? of (?:the )?(?:layer ?norm\w*|LN) and (?:the )?residual",
        1,
        "layernorm",
    ),
    # "does not contain any batch normalizations", "without any normalization layer": an explicit none
    _p(
        "norm",
        r"(?:does not|do not|doesn't|don't|did not) (?:contain|use|have|include|employ|apply|need|require) (?:any )?"
        r"(?:batch |layer )?normali[sz]ations?\b|\bwithout (?:any )?normali[sz]ation (?:layers?)?\b|"
        r"\bno normali[sz]ation layers?\b",
        3,
        "none",
    ),
    # a list of what the training uses: "We use multi-scale training, data augmentation, batch normalization, ..."
    _p(
        "norm",
        r"\bwe (?:use|apply|employ|adopt)\b[^.;]{0,60}?,\s*batch normali[sz]ation\b",
        2,
        "batchnorm",
    ),
    _p(
        "norm",
        r"followed by layer normali[sz]ation|layer ?norm(?:alization)?\b[^.]{0,30}(?:is|was) (?:used|applied)|"
        r"(?:use|apply|employ|adopt)\w* layer normali[sz]ation",
        1,
        "layernorm",
    ),
    _p(
        "norm",
        r"(?:use|apply|employ|adopt)\w* (?:batch normali[sz]ation|BN\b)|batch normali[sz]ation \(BN\)[^.]{0,40}after|"
        r"\bBN-ReLU-Conv\b",
        1,
        "batchnorm",
    ),
    _p("norm", r"(?:use|apply|employ|adopt)\w* group normali[sz]ation", 1, "groupnorm"),
    # "we also adopt typical designs, including LayerNorm [2]": the norm among what the model adopts
    _p(
        "norm",
        r"\bwe (?:also )?(?:use|apply|employ|adopt)\b[^.;]{0,50}?\b(?:including|such as|like|with)\s+"
        r"(?:LayerNorm|layer normali[sz]ation)\b",
        2,
        "layernorm",
        avoid=r"instead of|rather than|replac|without",
    ),
    _p("norm_position", r"LayerNorm\s*\(\s*x\s*\+\s*Sublayer\s*\(\s*x\s*\)\s*\)", 0, "post"),
    # "post-LN" named as the model's layout, not as a kind of architecture the paper talks about
    _p(
        "norm_position",
        r"\bpost-(?:norm|LN|LayerNorm|layer normali[sz]ation)\b",
        0,
        "post",
        need=r"\b(?:we|our)\b[^.]{0,40}\b(?:use|adopt|apply|employ|follow|keep)\w*\b|\b(?:uses|adopts|follows) (?:the |a )?post",
    ),
    # pseudocode: the residual is saved, then the input is normalised before the block ("shortcut = x; x = norm(x)")
    _p(
        "norm_position",
        r"\b(?:shortcut|residual|skip)\s*=\s*x\b[^.]{0,20}?\bx\s*=\s*\w*norm\w*\s*\(\s*x\b",
        1,
        "pre",
    ),
    # "we rearrange / swap the order of layer normalization and the residual connection": the norm moves in front
    _p(
        "norm_position",
        r"(?:rearrang|swap|switch|revers|exchang|chang)\w* the (?:order|position|placement)s? of (?:the )?"
        r"(?:layer ?norm\w*|LN|normali[sz]ation(?: layers?)?) and (?:the )?residual",
        0,
        "pre",
    ),
    _p(
        "norm_position",
        r"(?:Layer ?norm\w*|\bLN\b)[^.]{0,20} (?:is|was) applied before every|"
        r"\bpre-?(?:normali[sz](?:ation|ed)|norm|LN|LayerNorm|RMSNorm|layer normali[sz]ation)\b|"
        r"normali[sz]e (?:the )?(?:input|inputs) (?:of|to) (?:each|every) (?:[\w-]+ )?(?:sub-?layer|block)|\bpre-activation residual (?:blocks|units)",
        0,
        "pre",
    ),
    _p(
        "activation",
        r"replace the \w+ non-?linearity (?:by|with) the SwiGLU|\bSwiGLU\b",
        0,
        "swiglu",
        need=r"activation|non-?linearity|use|replace",
    ),
    _p(
        "activation",
        r"Gaussian Error Linear Units?|\bGELUs?\b",
        1,
        "gelu",
        need=r"activation|non-?linearit|use|MLP|FFN|feed-?forward",
    ),
    _p(
        "activation",
        r"leaky rectified linear|leaky ReLU",
        1,
        "leaky_relu",
        need=r"activation|non-?linearity|use",
    ),
    _p(
        "activation",
        r"scaled hyperbolic tangent|squashing function is [^.]{0,20}tanh|tanh (?:activations?|non-?linearit(?:y|ies)|units)",
        1,
        "tanh",
    ),
    _p("activation", r"\bmaxout\b", 2, "maxout", need=r"activation|use"),
    _p(
        "activation",
        r"\bReLU6?\b(?! non-?linearity by)|rectified linear (?:unit|activation)|rectifier linear",
        2,
        "relu",
        need=r"activation|non-?linearity|\buse|BN-ReLU|applied to the output",
    ),
    _p("activation", r"\bsigmoid non-?linearity", 3, "sigmoid"),
    # SiLU / Swish as the block's activation ("we use the SiLU activation", "Swish non-linearities")
    _p(
        "activation",
        r"\b(?:SiLU|Swish)s?\b(?:\s*\(?[^.]{0,20}\)?)?\s*(?:activations?|non-?linearit(?:y|ies)|functions?)",
        2,
        "silu",
        need=r"\b(?:we|our)\b",
    ),
]

# Cheap pre-filter: a key's patterns run only on sentences holding one of these (lowercase) words.
KEY_HINTS: dict[str, tuple[str, ...]] = {
    "optimizer": (
        "adam",
        "sgd",
        "gradient descent",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adafactor",
        "lamb",
        "lars",
        "nesterov",
        "decoupled",
        "back-propagation",
        "backpropagation",
    ),
    "learning_rate": ("learning rate", "lr", "passes", "epochs", "iterations", "stepsize", "step size"),
    "lr_schedule": (
        "cosine",
        "inverse",
        "rsqrt",
        "plateau",
        "improv",
        "divide",
        "lower",
        "reduc",
        "decreas",
        "drop",
        "multipl",
        "halv",
        "then",
        "decay",
        "exponential",
        "linear",
        "constant",
        "fixed",
        "passes",
        "poly",
        "changed",
        "switched",
        "set to",
    ),
    "warmup_steps": ("warm", "first"),
    "warmup_epochs": ("warm",),
    "batch_tokens": ("batch",),
    "batch_size": ("batch",),
    "epochs": ("epoch", "cycles", "passes", "iterations", "sweeps"),
    "train_steps": ("steps", "iterations", "updates", "batches"),
    "weight_decay": ("decay", "l2"),
    "momentum": ("momentum",),
    "dropout": ("dropout", "drop"),
    "attention_dropout": ("dropout",),
    "label_smoothing": ("smoothing", "ls"),
    "stochastic_depth": ("stochastic depth",),
    "grad_clip": ("clip", "if ", "threshold", "grad norm", "gradient norm"),
    "init_std": ("initiali",),
    "adam_beta1": ("β", "beta"),
    "adam_beta2": ("β", "beta"),
    "adam_eps": ("ϵ", "ε", "eps"),
    "num_encoder_layers": ("encoder",),
    "num_decoder_layers": ("decoder",),
    "num_layers": ("layer",),
    "d_model": ("model", "dimensional", "cells", "hidden", "embedding", "units", "neurons", "nodes"),
    "num_heads": ("head",),
    "d_head": ("dk", "d_k", "head"),
    "d_ff": ("dff", "d_ff", "inner", "feed", "ffn", "mlp"),
    "vocab_size": ("vocab", "most frequent"),
    "context_length": ("token", "context", "sequence", "length", "window"),
    "image_size": ("×", "x", "pixel", "resolution"),
    "in_channels": ("×", "x"),
    "patch_size": ("patch", "non-overlapping"),
    "kernel_size": ("kernel", "×", "neighborhood", "depthwise", "depth-wise"),
    "num_classes": ("class", "categor", "way", "possibilit"),
    "num_params": ("parameter", "params"),
    "growth_rate": ("growth",),
    "embedding_dim": ("embedding",),
    "maxout_units": ("maxout",),
    "lora_rank": ("rank",),
    "lora_alpha": ("α", "alpha"),
    "width_multiplier": ("width multiplier",),
    "norm": ("norm", "bn", "ln"),
    "norm_position": ("norm", "ln", "sublayer", "sub-layer", "pre-activation"),
    "activation": (
        "relu",
        "gelu",
        "swiglu",
        "leaky",
        "tanh",
        "tangent",
        "maxout",
        "rectif",
        "sigmoid",
        "gaussian error",
        "silu",
        "swish",
    ),
}

# Phrases that put a sentence outside the main configuration.
FINETUNE_RE = re.compile(r"fine-?tun|finetun|transfer(?:red)? to|downstream task", re.I)
ABLATION_RE = re.compile(
    r"\bablat|instead of|rather than|we vary|varying|in contrast to|compared (?:to|with)|unlike|"
    r"baseline|prior work|previous work|(?:larger|smaller|higher|lower) than the|for example|for instance|"
    r"similar [^.]{0,30} as a|(?:they|He et al\.|et al\.) (?:use|used|train)|"
    r"\b(?:smallest|largest|biggest|tiniest)\b[^.,;]{0,40}\bmodels?\b",
    re.I,
)
