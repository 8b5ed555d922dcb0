"""Where a paper comes from: a local PDF, an arXiv id or URL, or LaTeX sources.

arXiv downloads are cached under ``.mlintern/papers/arxiv-<id>.pdf``; offline, the
error names the id and says to pass the PDF. LaTeX sources (a folder or an
arXiv source tarball) have no pages: their text is read as one page and facts
cite page 1, which is said in a warning so nobody mistakes it for a PDF page.
"""

from __future__ import annotations

import os
import re
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools.errors import ToolError

ARXIV_RE = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)$", re.I)
ARXIV_URL_RE = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:\.pdf)?/?$", re.I)
MAX_TEX_BYTES = 20_000_000
MAX_TOTAL_BYTES = 32_000_000  # all .tex text read from one source, however many files or members
MAX_MEMBERS = 20_000


def arxiv_id(paper: str) -> str | None:
    m = ARXIV_RE.match(paper.strip()) or ARXIV_URL_RE.match(paper.strip())
    return m.group(1) if m else None


def fetch_arxiv(ident: str, cache_dir: Path, timeout: float = 30) -> Path:
    target = cache_dir / f"arxiv-{ident.replace('/', '_')}.pdf"
    if target.exists() and target.stat().st_size > 0:
        return target
    url = f"https://arxiv.org/pdf/{ident}"
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "mlintern (parse-paper)"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = resp.read(200_000_000)
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise ToolError(
            f"Could not download arXiv paper {ident} ({getattr(err, 'reason', err)}).",
            hint=f"You seem to be offline; download https://arxiv.org/pdf/{ident} yourself and pass the PDF path.",
            code="offline",
        ) from err
    if not data.startswith(b"%PDF"):
        raise ToolError(
            f"arXiv did not return a PDF for {ident}.",
            hint="Check the id, or pass the PDF path.",
            code="not_found",
        )
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def read_latex(path: Path) -> str:
    """Concatenated text of the .tex files of a folder or tarball, main file first."""
    texts: dict[str, str] = {}
    budget = [MAX_TOTAL_BYTES]

    def take(name: str, data: bytes) -> None:
        data = data[: budget[0]]
        budget[0] -= len(data)
        texts[name] = data.decode("utf-8", errors="replace")

    if path.is_dir():
        # confined to the folder: no link (file or folder) is followed, only regular files are read
        for base, dirs, names in os.walk(path, followlinks=False):
            dirs.sort()
            for name in sorted(names):
                f = Path(base, name)
                if not name.endswith(".tex") or budget[0] <= 0:
                    continue
                try:
                    take(str(f.relative_to(path)), files.read_bytes(f, root=path, limit=MAX_TEX_BYTES))
                except (OSError, ToolError):
                    continue  # a link, a special file, too large: skipped
    else:
        try:
            with tarfile.open(path) as tar:
                for count, member in enumerate(tar):  # streamed: a tarball of millions of entries stops early
                    if count >= MAX_MEMBERS or budget[0] <= 0:
                        break
                    # regular members only (links are skipped); read from the archive, nothing is extracted
                    if member.isfile() and member.name.endswith(".tex") and member.size < MAX_TEX_BYTES:
                        fh = tar.extractfile(member)
                        if fh is not None:
                            take(member.name, fh.read(min(member.size, budget[0])))
        except (tarfile.TarError, OSError, EOFError) as err:
            raise ToolError(
                f"{path.name} is not a readable tarball ({err}).",
                hint="Pass a PDF, or a folder/tarball of LaTeX sources.",
                code="bad_input",
            ) from err
    if not texts:
        raise ToolError(
            f"No .tex files in {path.name}.", hint="Pass the paper's PDF or its LaTeX source folder."
        )
    main = next((k for k, v in texts.items() if "\\documentclass" in v), next(iter(texts)))
    ordered = [texts[main]] + [v for k, v in texts.items() if k != main]
    return "\n\n".join(latex_to_text(t) for t in ordered)


def latex_to_text(tex: str) -> str:
    """A readable approximation of LaTeX: comments, commands and math markup removed, text kept."""
    tex = re.sub(r"(?<!\\)%.*", "", tex)
    tex = re.sub(r"\\begin\{(?:figure|table)\*?\}.*?\\end\{(?:figure|table)\*?\}", "", tex, flags=re.S)
    tex = re.sub(r"\\(?:section|subsection|subsubsection|paragraph)\*?\{([^}]*)\}", r"\n\n\1\n\n", tex)
    tex = re.sub(r"\\(?:cite\w*|ref|eqref|label|url)\{[^}]*\}", "", tex)
    tex = re.sub(r"\\(?:textbf|textit|emph|texttt|mathrm|mathbf|text|mbox)\{([^}]*)\}", r"\1", tex)
    tex = (
        tex.replace("\\beta_1", "β1")
        .replace("\\beta_2", "β2")
        .replace("\\epsilon", "ϵ")
        .replace("\\times", "×")
    )
    tex = re.sub(r"\^\{?(-?\d+)\}?", lambda m: m.group(1).replace("-", "−"), tex)
    tex = re.sub(r"\\[a-zA-Z]+\*?(?:\[[^\]]*\])?", "", tex)
    tex = re.sub(r"[{}$~]", " ", tex).replace("\\", "")
    return re.sub(r"[ \t]+", " ", tex)
