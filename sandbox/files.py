"""The one way host-side code touches files that sandboxed code could have written.

Everything inside a project folder or a run's output folder was written (or can be replaced at any moment)
by the training code, which is hostile. Every read and write there goes through this module:

* no symbolic link is ever followed: every path component below the trusted ``root`` is opened with
  ``O_NOFOLLOW`` (one ``openat`` per component), so neither ``export/model.py -> /etc/x`` nor
  ``export -> /etc`` redirects a read or a write;
* only regular files are read or written, checked with ``fstat`` on the open descriptor (no
  check-then-open race); a FIFO, socket or device is refused, and opening never blocks (``O_NONBLOCK``);
* no size is trusted: reads stop at a cap (``head`` or ``tail``), and :class:`Tail` reads a growing file
  incrementally from an offset, a bounded chunk per call, dropping over-long lines;
* writes go to a fresh temporary name (``O_EXCL``) then ``rename`` over the target, which replaces a
  planted link instead of writing through it;
* JSON is parsed with a size cap and no trust in its shape (:func:`read_json`: a 200,000-deep array, a
  FIFO or a link reads as ``None``, never as an exception or a hang);
* text shown to a person (log tails, failure reasons, metric names) goes through :func:`printable`:
  terminal escape sequences (OSC 52 writes the clipboard, CSI clears the screen) are shown, not obeyed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlintern.tools.errors import ToolError

MiB = 1024**2
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafeFile(ToolError):
    """A path under a sandbox-written folder is a link, a special file, or too large."""

    def __init__(self, path: Path | str, what: str) -> None:
        super().__init__(
            f"{path} {what}; mlintern does not follow links or open special files that training "
            "code may have planted.",
            hint="Remove it (or replace it with a regular file) and try again.",
            code="unsafe_file",
        )
        self.path = str(path)


def _parts(path: Path, root: Path | None) -> tuple[Path, list[str]]:
    path = Path(os.path.abspath(path))
    if root is None:
        return path.parent, [path.name]
    root = Path(os.path.abspath(root))
    try:
        rel = path.relative_to(root)
    except ValueError:
        raise UnsafeFile(path, f"is outside {root}") from None
    if not rel.parts or ".." in rel.parts:
        raise UnsafeFile(path, f"is not a file inside {root}")
    return root, list(rel.parts)


@contextmanager
def _dir_fd(path: Path, root: Path | None, *, create: bool = False) -> Iterator[tuple[int, str]]:
    """``(fd of the parent folder, last name)``; every component between ``root`` and it opened without
    following links. ``create`` makes missing folders (never through a link)."""
    base, parts = _parts(path, root)
    fd = os.open(base, DIR_FLAGS)
    try:
        for i, name in enumerate(parts[:-1]):
            try:
                nxt = os.open(name, DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(name, 0o755, dir_fd=fd)
                nxt = os.open(name, DIR_FLAGS, dir_fd=fd)
            except OSError as err:
                if err.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafeFile(
                        base.joinpath(*parts[: i + 1]), "is a symbolic link or not a folder"
                    ) from None
                raise
            os.close(fd)
            fd = nxt
        yield fd, parts[-1]
    finally:
        os.close(fd)


def open_fd(path: Path | str, *, root: Path | str | None = None) -> int:
    """A read-only descriptor of the regular file ``path`` (never a link, a FIFO or a device)."""
    path = Path(path)
    with _dir_fd(path, Path(root) if root else None) as (dfd, name):
        try:
            fd = os.open(name, READ_FLAGS, dir_fd=dfd)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise UnsafeFile(path, "is a symbolic link") from None
            if err.errno == errno.ENXIO:  # a FIFO or socket with no writer/reader
                raise UnsafeFile(path, "is not a regular file") from None
            raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafeFile(path, "is not a regular file")
    os.set_blocking(fd, True)  # regular files never block; plain reads from here on
    return fd


@contextmanager
def open_read(path: Path | str, *, root: Path | str | None = None) -> Iterator:
    """``with open_read(p) as fh``: a binary file object on a regular file, opened safely."""
    fh = os.fdopen(open_fd(path, root=root), "rb")
    try:
        yield fh
    finally:
        fh.close()


def read_bytes(
    path: Path | str,
    *,
    limit: int = 16 * MiB,
    root: Path | str | None = None,
    tail: bool = False,
    strict: bool = True,
) -> bytes:
    """At most ``limit`` bytes: the whole file, or its last ``limit`` bytes when ``tail``.

    ``strict``: a file larger than ``limit`` (and not read as a tail) is an error rather than cut short.
    """
    with open_read(path, root=root) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit and not tail and strict:
            raise UnsafeFile(path, f"is {size:,} bytes, more than the {limit:,} mlintern reads")
        if tail and size > limit:
            fh.seek(size - limit)
        return fh.read(limit)


def read_text(
    path: Path | str,
    *,
    limit: int = 16 * MiB,
    root: Path | str | None = None,
    tail: bool = False,
    strict: bool = True,
) -> str:
    """Like :func:`read_bytes`, decoded as UTF-8 with invalid bytes replaced."""
    return read_bytes(path, limit=limit, root=root, tail=tail, strict=strict).decode(
        "utf-8", errors="replace"
    )


def try_read_text(
    path: Path | str,
    *,
    limit: int = 16 * MiB,
    root: Path | str | None = None,
    tail: bool = False,
    strict: bool = True,
) -> str | None:
    """:func:`read_text`, or ``None`` when the file is missing, unsafe or unreadable."""
    try:
        return read_text(path, limit=limit, root=root, tail=tail, strict=strict)
    except (OSError, ToolError):
        return None


def head_and_tail(path: Path | str, *, limit: int = MiB, root: Path | str | None = None) -> str:
    """The first and the last ``limit`` bytes of a log (the whole log when it is short); '' when unsafe."""
    try:
        with open_read(path, root=root) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size <= 2 * limit:
                data = fh.read(2 * limit)
            else:
                data = fh.read(limit) + b"\n...\n"
                fh.seek(size - limit)
                data += fh.read(limit)
    except (OSError, ToolError):
        return ""
    return data.decode("utf-8", errors="replace")


def is_regular(path: Path | str, *, root: Path | str | None = None) -> bool:
    """True when ``path`` is a regular file reached without following any link."""
    try:
        os.close(open_fd(path, root=root))
    except (OSError, ToolError):
        return False
    return True


def write_bytes(path: Path | str, data: bytes, *, root: Path | str | None = None, mode: int = 0o644) -> Path:
    """Replace ``path`` with ``data``: written to a fresh name, then renamed over it.

    A link planted at ``path`` is replaced, never written through; a link or non-folder on the way to it
    is refused; missing folders below ``root`` are created.
    """
    path = Path(path)
    with _dir_fd(path, Path(root) if root else None, create=True) as (dfd, name):
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise UnsafeFile(path, "is a folder")
        tmp = f".{name}.mlintern-{os.getpid()}.tmp"
        try:
            os.unlink(tmp, dir_fd=dfd)
        except FileNotFoundError:
            pass
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dfd
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
            raise
    return path


def write_text(path: Path | str, text: str, *, root: Path | str | None = None) -> Path:
    return write_bytes(path, text.encode("utf-8"), root=root)


def copy_file(
    src: Path | str,
    dst: Path | str,
    *,
    src_root: Path | str | None = None,
    dst_root: Path | str | None = None,
    limit: int = 64 * MiB,
) -> Path:
    """Copy a regular file (never a link's target) to ``dst`` (never through a link)."""
    return write_bytes(dst, read_bytes(src, limit=limit, root=src_root), root=dst_root)


def make_dir(path: Path | str, *, root: Path | str) -> Path:
    """Create ``path`` (and parents) below ``root``; refuses when any part of it is a link or a file."""
    path = Path(path)
    with _dir_fd(path / ".probe", Path(root), create=True):
        pass
    return path


class Tail:
    """Read what was appended to a growing file since the last call, at most ``chunk`` bytes per call.

    Only complete lines are returned (a half-written last line waits for the next call); a line longer
    than ``max_line`` bytes is dropped whole. A file that shrank (truncated, replaced) is read again from
    its start; one that grew by more than ``max_behind`` bytes since the last call (a huge or sparse file) is
    read from near its end, the middle skipped. A link, FIFO or device reads as nothing.
    """

    def __init__(
        self, path: Path | str, *, root: Path | str | None = None, chunk: int = MiB, max_line: int = 64 * 1024
    ) -> None:
        self.path, self.root = Path(path), root
        self.chunk, self.max_line = chunk, max_line
        self.max_behind = (
            16 * chunk
        )  # further behind than this, the middle is skipped (a huge or sparse file)
        self.offset = 0
        self.skipping = False  # inside an over-long line: drop until its newline
        self.dropped = 0

    def lines(self, *, final: bool = False) -> list[bytes]:
        """New complete lines; ``final``: the file is finished, so an unterminated last line counts too."""
        try:
            with open_read(self.path, root=self.root) as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < self.offset:
                    self.offset, self.skipping = 0, False
                elif size - self.offset > self.max_behind:  # more than we will ever catch up with: jump
                    self.offset, self.skipping = size - self.chunk, True
                    self.dropped += 1
                fh.seek(self.offset)
                data = fh.read(self.chunk)
        except (OSError, ToolError):
            return []
        out: list[bytes] = []
        pos = 0
        while True:
            nl = data.find(b"\n", pos)
            if nl < 0:
                rest = len(data) - pos
                if final and 0 < rest <= self.max_line and not self.skipping:
                    out.append(data[pos:])
                    pos = len(data)
                elif rest > self.max_line:  # an endless line: skip what we have, keep skipping
                    self.skipping = True
                    self.dropped += 1
                    pos = len(data)
                break
            if self.skipping or nl - pos > self.max_line:
                self.skipping = False
                self.dropped += 1
            else:
                out.append(data[pos:nl])
            pos = nl + 1
        self.offset += pos
        return out


def read_json(path: Path | str, *, limit: int = 16 * MiB, root: Path | str | None = None):
    """The JSON value in ``path``, or ``None`` when it is missing, a link, a special file, larger than
    ``limit``, not JSON, or nested too deep for the parser (``RecursionError``)."""
    text = try_read_text(path, limit=limit, root=root)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def read_json_object(path: Path | str, *, limit: int = 16 * MiB, root: Path | str | None = None) -> dict:
    """:func:`read_json`, ``{}`` unless the file holds a JSON object."""
    data = read_json(path, limit=limit, root=root)
    return data if isinstance(data, dict) else {}


# C0 controls but tab and newline, DEL and C1 controls (0x9b is a one-byte CSI on some terminals)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: a carriage return keeps what a terminal would show (the
    text after the last one, as a progress bar leaves it), other control characters become ``\\xNN``."""
    if "\r" in text:
        text = "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def zip_expansion(fh) -> tuple[int, int] | None:
    """``(bytes the members inflate to, bytes they take in the file)`` of a zip archive opened as ``fh``
    (checkpoints saved by ``torch.save`` are zips); ``None`` when it is not a readable zip. Reads only the
    central directory: what a member claims is checked before anything is inflated."""
    import zipfile

    try:
        with zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
            if len(members) > 1_000_000:
                return None
            inflated = sum(m.file_size for m in members)
            stored = sum(m.compress_size for m in members)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        fh.seek(0)
    return inflated, stored


def available_memory() -> int | None:
    """Bytes of memory available now (``MemAvailable``), or ``None`` where /proc/meminfo says nothing."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None
