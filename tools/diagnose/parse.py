"""Turn a raw training log into structured exceptions.

Real logs are messy: ANSI colours, progress bars redrawn with carriage
returns, warnings, several torchrun ranks printing at once with ``[rank1]:``
prefixes, chained exceptions, a DataLoader worker's traceback re-raised inside
the main process's, CUDA's asynchronous errors reported far from their cause,
and logs cut off mid-traceback. This module only reads text; it never imports
torch and never touches the user's files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][AB012]")
RANK_PREFIX = re.compile(r"^\[(?:rank|default)(\d+)\]:(?:\[[^\]]*\])?\s?")
TRACEBACK_START = re.compile(r"Traceback \(most recent call last\):\s*$")
FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
EXC_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?::\s?(?P<msg>.*))?$")
CHAIN_CAUSE = "The above exception was the direct cause of the following exception:"
CHAIN_CONTEXT = "During handling of the above exception, another exception occurred:"
CARET_LINE = re.compile(r"^\s*[\^~\s]+$")
# An error line outside any traceback (C++ aborts, launcher summaries, bare prints).
LOOSE_ERROR = re.compile(
    r"(?P<type>[A-Za-z_][\w.]*(?:Error|Exception))(?::\s?(?P<msg>.*))|"
    r"(?P<watchdog>Watchdog caught collective operation timeout.*)|"
    r"(?P<killed>DataLoader worker \(pid.*killed by signal.*|^Killed$)"
)
ASSERT_LINE = re.compile(r"Assertion `(?P<cond>[^`]+)` failed")
LIBRARY_PARTS = ("/site-packages/", "/dist-packages/", "/torch/csrc/", "/aten/src/")
STDLIB = re.compile(r"/lib/python\d+(?:\.\d+)?/|\\Lib\\|^<")
MAX_MESSAGE_LINES = 60


@dataclass
class Frame:
    file: str
    line: int
    function: str
    code: str = ""
    user: bool = True

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "function": self.function, "user": self.user}


@dataclass
class ExceptionRecord:
    type: str
    message: str
    frames: list[Frame] = field(default_factory=list)
    rank: int | None = None
    chained: str | None = None  # "cause" | "context": how it relates to the exception before it
    truncated: bool = False

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]

    @property
    def text(self) -> str:
        return f"{self.short_type}: {self.message}"

    @property
    def user_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.user]

    @property
    def is_wrapper(self) -> bool:
        """An exception that only reports another one (launcher summaries, worker re-raises)."""
        return self.short_type == "ChildFailedError" or bool(
            re.match(r"Caught \w+ in DataLoader worker process", self.message)
        )


@dataclass
class ParsedLog:
    exceptions: list[ExceptionRecord]
    asserts: list[str]  # CUDA device-side assertion conditions
    cuda_async: bool
    ranks: list[int]
    text: str  # the cleaned log

    def candidates(self) -> list[ExceptionRecord]:
        """Exceptions in the order they should be explained.

        Rank outputs come before the launcher's summary; within one output the
        last exception comes first (that is what stopped the program), wrappers
        last, and a truncated record only when nothing better exists.
        """

        def order(item: tuple[int, ExceptionRecord]) -> tuple:
            index, exc = item
            return (exc.is_wrapper, exc.truncated and not exc.type, exc.rank is None, exc.rank or 0, -index)

        return [exc for _, exc in sorted(enumerate(self.exceptions), key=order)]


def is_user_file(path: str) -> bool:
    """Library frames: site-packages, the standard library, torch internals, ``<frozen ...>``."""
    p = path.replace("\\", "/")
    if any(part in p for part in LIBRARY_PARTS) or STDLIB.search(p):
        return False
    name = p.rsplit("/", 1)[-1]
    return not ("/bin/" in p and "." not in name)


def clean_lines(text: str) -> list[tuple[int | None, str]]:
    """Strip colours and progress-bar redraws; split off torchrun rank prefixes."""
    out: list[tuple[int | None, str]] = []
    for raw in ANSI.sub("", text).split("\n"):
        line = raw.rstrip("\r").rsplit("\r", 1)[-1]
        rank = None
        m = RANK_PREFIX.match(line)
        if m:
            rank = int(m.group(1))
            line = line[m.end() :]
        out.append((rank, line.rstrip()))
    return out


def _parse_stream(lines: list[str], rank: int | None) -> list[ExceptionRecord]:
    records: list[ExceptionRecord] = []
    chained: str | None = None
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if stripped == CHAIN_CAUSE:
            chained = "cause"
        elif stripped == CHAIN_CONTEXT:
            chained = "context"
        if not TRACEBACK_START.search(line):
            i += 1
            continue
        frames: list[Frame] = []
        i += 1
        record: ExceptionRecord | None = None
        while i < n:
            line = lines[i]
            m = FRAME.match(line)
            if m:
                frames.append(
                    Frame(
                        m["file"],
                        int(m["line"]),
                        (m["func"] or "<module>").strip(),
                        user=is_user_file(m["file"]),
                    )
                )
                i += 1
                continue
            if not line.strip() or CARET_LINE.match(line):
                i += 1
                continue
            if line[:1].isspace():  # source line of the frame above
                if frames and not frames[-1].code:
                    frames[-1].code = line.strip()
                i += 1
                continue
            if TRACEBACK_START.search(line):  # a new traceback before any exception line
                break
            em = EXC_LINE.match(line.strip())
            if em:
                record = ExceptionRecord(em["type"], (em["msg"] or "").strip(), frames, rank, chained)
                i += 1
                extra = []
                while i < n and len(extra) < MAX_MESSAGE_LINES:
                    nxt = lines[i]
                    if (
                        not nxt.strip()
                        or TRACEBACK_START.search(nxt)
                        or FRAME.match(nxt)
                        or nxt.strip() in (CHAIN_CAUSE, CHAIN_CONTEXT)
                    ):
                        break
                    extra.append(nxt.strip())
                    i += 1
                if extra:
                    record.message = "\n".join([record.message, *extra]).strip()
            break
        if record is None:
            record = ExceptionRecord(
                "", "(the log ends inside a traceback)", frames, rank, chained, truncated=True
            )
        records.append(record)
        chained = None
    return records


def _loose_errors(lines: list[tuple[int | None, str]]) -> list[ExceptionRecord]:
    """The most telling error line outside tracebacks: timeouts and kills before generic ones."""
    special, generic = [], []
    for rank, line in lines:
        m = LOOSE_ERROR.search(line)
        if not m:
            continue
        if m["watchdog"]:
            special.append(ExceptionRecord("DistBackendError", m["watchdog"], rank=rank))
        elif m["killed"]:
            special.append(ExceptionRecord("RuntimeError", m["killed"], rank=rank))
        elif not m["type"].endswith("ChildFailedError"):
            generic.append(ExceptionRecord(m["type"], (m["msg"] or "").strip(), rank=rank))
    return (special or generic)[:1]


def parse_log(text: str) -> ParsedLog:
    """Parse a log or a bare traceback into exceptions, oldest first."""
    lines = clean_lines(text)
    streams: dict[int | None, list[str]] = {}
    for rank, line in lines:
        streams.setdefault(rank, []).append(line)
    exceptions: list[ExceptionRecord] = []
    for rank, stream in streams.items():
        exceptions.extend(_parse_stream(stream, rank))
    if not exceptions or all(e.is_wrapper or e.truncated for e in exceptions):
        exceptions.extend(_loose_errors(lines))
    cleaned = "\n".join(line for _, line in lines)
    return ParsedLog(
        exceptions=exceptions,
        asserts=sorted({m["cond"] for m in ASSERT_LINE.finditer(cleaned)}),
        cuda_async="asynchronously reported" in cleaned or "device-side assert" in cleaned,
        ranks=sorted(r for r in streams if r is not None),
        text=cleaned,
    )
