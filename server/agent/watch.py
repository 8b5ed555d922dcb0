"""One paper, a folder of papers, or a folder watched for new ones (watchdog)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mlintern.server.agent.display import Display
from mlintern.tools.errors import ToolError
from mlintern.tools.reproduce.loop import Agent, Options
from mlintern.tools.workspace import DROP_DIR


def process_paper(
    ws, source: str, brain_factory: Callable, options: Options, display: Display, cancel: threading.Event
) -> dict:
    """Run (or resume) the loop on one paper; a bad paper gets a report, not a crash."""
    agent = Agent(ws, source, brain=brain_factory(), options=options, display=display, cancel_event=cancel)
    return agent.run()


def papers_dir(ws) -> Path:
    d = ws.root / DROP_DIR
    d.mkdir(exist_ok=True)
    return d


def process_folder(ws, brain_factory, options, display, cancel) -> list[dict]:
    pdfs = sorted(papers_dir(ws).glob("*.pdf"))
    if not pdfs:
        display.event("warning", step="papers", message=f"no PDFs in {papers_dir(ws)}")
    return [process_paper(ws, str(p), brain_factory, options, display, cancel) for p in pdfs]


def watch_folder(ws, brain_factory, options, display, cancel, *, settle_s: float = 1.0) -> list[dict]:
    """Process each PDF that appears in ``papers/`` until ``cancel`` is set (Ctrl-C sets it)."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    found: queue.Queue[Path] = queue.Queue()

    class Handler(FileSystemEventHandler):
        def on_created(self, event):
            self._maybe(event.src_path)

        def on_moved(self, event):
            self._maybe(event.dest_path)

        def _maybe(self, path) -> None:
            p = Path(str(path))
            if p.suffix.lower() == ".pdf":
                found.put(p)

    observer = Observer()
    observer.schedule(Handler(), str(papers_dir(ws)), recursive=False)
    observer.start()
    display.event("step", step="watch", message=f"watching {papers_dir(ws)} for new PDFs (Ctrl-C to stop)")
    states, done = [], set()
    try:
        while not cancel.is_set():
            try:
                pdf = found.get(timeout=0.5)
            except queue.Empty:
                continue
            if pdf in done:
                continue
            time.sleep(settle_s)  # let the copy finish
            done.add(pdf)
            try:
                states.append(process_paper(ws, str(pdf), brain_factory, options, display, cancel))
            except ToolError as err:
                display.event("warning", step="watch", message=f"{pdf.name}: {err}")
    finally:
        observer.stop()
        observer.join(timeout=5)
    return states
