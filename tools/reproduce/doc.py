"""A tiny document model rendered to both Markdown and self-contained HTML.

PLAN.md and REPORT.md/REPORT.html are built once as a list of blocks, so the
two formats never drift apart. Images are files next to the Markdown and
base64 data URIs inside the HTML (one file to mail or attach).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path


class Doc:
    def __init__(self, title: str) -> None:
        self.title = title
        self.blocks: list[tuple] = []

    def h(self, text: str, level: int = 2) -> None:
        self.blocks.append(("h", level, text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.blocks.append(("ul", items))

    def table(self, header: list[str], rows: list[list]) -> None:
        if rows:
            self.blocks.append(("table", header, [[("" if c is None else str(c)) for c in r] for r in rows]))

    def code(self, text: str, lang: str = "") -> None:
        self.blocks.append(("code", lang, text))

    def image(self, path: Path, alt: str) -> None:
        if path.is_file():
            self.blocks.append(("img", path, alt))

    # ------------------------------------------------------------ renderers
    def markdown(self, base: Path) -> str:
        out = [f"# {self.title}", ""]
        for b in self.blocks:
            if b[0] == "h":
                out += ["#" * b[1] + " " + b[2], ""]
            elif b[0] == "p":
                out += [b[1], ""]
            elif b[0] == "ul":
                out += [f"- {i}" for i in b[1]] + [""]
            elif b[0] == "table":
                out += ["| " + " | ".join(_cell(c) for c in b[1]) + " |", "|" + "---|" * len(b[1])]
                out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in b[2]] + [""]
            elif b[0] == "code":
                fence = "````" if "```" in b[2] else "```"
                out += [fence + b[1], b[2].rstrip("\n"), fence, ""]
            elif b[0] == "img":
                rel = b[1].relative_to(base) if b[1].is_relative_to(base) else b[1]
                out += [f"![{b[2]}]({rel})", ""]
        return "\n".join(out)

    def html(self) -> str:
        e = html.escape
        out = [
            f"<!doctype html><html><head><meta charset='utf-8'><title>{e(self.title)}</title>",
            "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
            "vertical-align:top;text-align:left}pre{background:#f6f8fa;padding:1em;overflow:auto}"
            ".add{color:#116329}.del{color:#82071e}img{max-width:100%}</style></head><body>",
            f"<h1>{e(self.title)}</h1>",
        ]
        for b in self.blocks:
            if b[0] == "h":
                out.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
            elif b[0] == "p":
                out.append(f"<p>{e(b[1])}</p>")
            elif b[0] == "ul":
                out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b[1]) + "</ul>")
            elif b[0] == "table":
                head = "".join(f"<th>{e(c)}</th>" for c in b[1])
                body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in b[2])
                out.append(f"<table><tr>{head}</tr>{body}</table>")
            elif b[0] == "code":
                lines = []
                for line in b[2].splitlines():
                    cls = (
                        "add"
                        if b[1] == "diff" and line.startswith("+")
                        else ("del" if b[1] == "diff" and line.startswith("-") else "")
                    )
                    lines.append(f"<span class='{cls}'>{e(line)}</span>" if cls else e(line))
                out.append("<pre>" + "\n".join(lines) + "</pre>")
            elif b[0] == "img":
                data = base64.b64encode(b[1].read_bytes()).decode()
                out.append(f"<img alt='{e(b[2])}' src='data:image/png;base64,{data}'>")
        out.append("</body></html>")
        return "\n".join(out)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
