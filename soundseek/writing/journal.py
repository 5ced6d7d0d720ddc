"""The write journal: every batch is recorded before it touches a file, so it can be undone.

A batch is a folder under the journal directory: `entries.jsonl` (one fsync'd line per step)
and `keep/`, the original bytes SoundSeek replaced: everything but the audio bytes where the
written file still holds them unchanged (WAVE data, AIFF sound data, FLAC and MP3 frames; an
undo takes them from the current file, checking their hash), the whole original for Ogg,
whose pages a comment edit renumbers.

A file's `begin` line is on disk before its temporary copy is made, and its `done` line after
the replace; a kill between the two leaves a `begin` alone, which `undo` and the next batch
settle by looking at the file itself. A file refused after its `begin` gets a `dropped` line
and its saved bytes are deleted at once (a full disk leaves no partial copies behind).

Format 2 (the first line says `{"op": "batch", "format": 2}`; a journal without it is
format 1 and is still read and undone) adds checksums, so an undo never trusts damaged
journal data: the sha256 of the whole original (`sha256`) and of its saved bytes
(`keep_sha256`) in the `begin` line, and of the verified copy (`new_sha256`) in `ready`.
An undo recognises a file by its content, not by its size and time.

An undo records its own progress in `undo.jsonl` (each line fsync'd): `begin` before it
touches a file, `name` before it gives a restored file a numbered name, `ready` (the hash of
the restored copy) before the replace, `end` with the outcome. A kill at any moment, then
`undo` again, finishes each file exactly once and never reaches an older batch before this
one is marked `undone`.

A line that cannot be read (not JSON, not UTF-8, not a record, missing fields) is skipped
and reported; the rest of the batch is undone. Unknown fields are ignored (newer versions
may add some). A line torn by a kill is the last one and is dropped silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from soundseek.errors import JournalError
from soundseek.files.durable import LineFile, fsync_dir

log = logging.getLogger(__name__)

UNDONE = "undone"
ENTRIES = "entries.jsonl"
UNDO_LOG = "undo.jsonl"
FORMAT = 2
KEEP_BATCHES = 20  # older batches are forgotten (their saved bytes can be large: Ogg originals)
HASH_BLOCK = 1 << 20


@dataclass
class Entry:
    """One file of a batch: where it was, what it was, and where its original bytes are."""

    n: int
    path: str
    new_path: str  # == path unless renamed
    temp: str
    size: int
    mtime_ns: int
    atime_ns: int
    keep: str  # file under the batch's keep/ folder
    span: tuple[int, int] | None  # (offset, size) of audio data not copied into `keep`
    span_digest: str = ""
    ready: bool = False  # the verified copy exists; the original may have been replaced
    done: bool = False
    renamed: bool = False
    new_size: int = 0
    new_mtime_ns: int = 0
    # format 2
    ino: int = 0
    sha256: str = ""  # the whole original file
    keep_sha256: str = ""  # the saved bytes under keep/
    new_sha256: str = ""  # the verified copy that replaced the original
    dropped: bool = False  # refused after its begin line: never replaced, nothing kept
    link: str = ""  # the symbolic link it was written through (`path` is its target)


@dataclass
class UndoMark:
    """What an earlier (perhaps killed) undo of this batch recorded for one file."""

    begun: bool = False
    name: str = ""  # the numbered name it chose because the old name was taken
    ready_sha256: str = ""  # the restored copy, just before it replaced the written file
    end: dict | None = None  # the outcome: {"path", "restored", "reason", "was"}


@dataclass
class Batch:
    folder: Path
    entries: list[Entry] = field(default_factory=list)
    undone: bool = False
    format: int = 1
    problems: list[str] = field(default_factory=list)  # journal lines skipped, and why
    marks: dict[int, UndoMark] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.folder.name

    def keep_path(self, entry: Entry) -> Path:
        return self.folder / "keep" / entry.keep

    def mark(self, n: int) -> UndoMark:
        return self.marks.setdefault(n, UndoMark())


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class JournalWriter:
    """Appends a batch's lines; each is fsync'd before the step it announces is taken."""

    def __init__(self, root: Path) -> None:
        # Names sort in the order batches were made (undo takes the newest): the readable
        # second, then the full nanosecond clock, then the process.
        now = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now / 1e9))
        folder = root / f"{stamp}-{now:020d}-{os.getpid()}"
        try:
            (folder / "keep").mkdir(parents=True)
            fsync_dir(root)
            self._lines = LineFile(folder / ENTRIES)
            self._lines.add({"op": "batch", "format": FORMAT})
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise JournalError(
                f"cannot start a write batch in {root} ({_reason(exc)}); nothing was written"
            ) from exc
        self.batch = Batch(folder, format=FORMAT)

    def begin(self, entry: Entry) -> None:
        fsync_dir(self.batch.folder / "keep")
        self._lines.add({"op": "begin", **asdict(entry)})
        self.batch.entries.append(entry)

    def ready(self, entry: Entry) -> None:
        """The verified copy is on disk; the replace comes next."""
        entry.ready = True
        self._lines.add({"op": "ready", "n": entry.n, "span_digest": entry.span_digest,
                         "new_sha256": entry.new_sha256})  # fmt: skip

    def done(self, entry: Entry) -> None:
        entry.done = True
        # Not synced, and a failure is not fatal: the file's `ready` line (and its hash)
        # already lets undo recognise it.
        self._soft({"op": "done", "n": entry.n, "new_size": entry.new_size,
                    "new_mtime_ns": entry.new_mtime_ns})  # fmt: skip

    def renamed(self, entry: Entry) -> None:
        entry.renamed = True
        self._soft({"op": "renamed", "n": entry.n})  # undo finds the file by its content

    def dropped(self, entry: Entry) -> None:
        """Refused after its `begin`: never replaced; its saved bytes are deleted."""
        entry.dropped = True
        with contextlib.suppress(OSError):
            self.batch.keep_path(entry).unlink(missing_ok=True)
        self._soft({"op": "dropped", "n": entry.n})

    def _soft(self, record: dict) -> None:
        try:
            self._lines.add(record, sync=False)
        except OSError:
            log.warning("journal line not written: %s", record, exc_info=True)

    def close(self) -> None:
        """A batch that replaced nothing is removed: there is nothing to undo."""
        self._lines.close()
        if not any(e.ready and not e.dropped for e in self.batch.entries):
            shutil.rmtree(self.batch.folder, ignore_errors=True)


# -- reading ----------------------------------------------------------------------------------
_ENTRY_FIELDS = {f.name for f in fields(Entry)}
_REQUIRED = {"n": int, "path": str, "new_path": str, "temp": str, "size": int,
             "mtime_ns": int, "atime_ns": int, "keep": str}  # fmt: skip


def read_lines(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, record) of each readable line, and why each other line was skipped."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    lines = raw.split(b"\n")
    if lines and lines[-1]:  # torn by a kill: the last line has no newline yet
        lines[-1] = b""
    out, problems = [], []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{path.name} line {i} skipped (not UTF-8)")
            continue
        except ValueError:
            problems.append(f"{path.name} line {i} skipped (not JSON)")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("op"), str):
            problems.append(f"{path.name} line {i} skipped (not a journal record)")
            continue
        out.append((i, rec))
    return out, problems


def _entry(rec: dict) -> Entry | None:
    for name, kind in _REQUIRED.items():
        if not isinstance(rec.get(name), kind) or isinstance(rec.get(name), bool):
            return None
    if os.path.basename(rec["keep"]) != rec["keep"] or rec["keep"] in ("", ".", ".."):
        return None
    span = rec.get("span")
    if span is not None:
        if not (isinstance(span, list) and len(span) == 2 and all(type(x) is int for x in span)):
            return None
        span = tuple(span)
    known = {k: v for k, v in rec.items() if k in _ENTRY_FIELDS}
    try:
        return Entry(**{**known, "span": span})
    except TypeError:
        return None


def read_batch(folder: Path) -> Batch:
    """A batch as its lines say; unreadable lines are skipped and listed in `problems`."""
    batch = Batch(folder, undone=(folder / UNDONE).exists())
    records, batch.problems = read_lines(folder / ENTRIES)
    by_n: dict[int, Entry] = {}
    for i, rec in records:
        op = rec["op"]
        if op == "batch":
            batch.format = rec.get("format") if isinstance(rec.get("format"), int) else 1
        elif op == "begin":
            entry = _entry(rec)
            if entry is None:
                batch.problems.append(f"{ENTRIES} line {i} skipped (a damaged file record)")
            else:
                by_n[entry.n] = entry
        elif not _apply(by_n.get(rec.get("n")), op, rec):
            batch.problems.append(f"{ENTRIES} line {i} skipped (an unknown or damaged step)")
    batch.entries = [by_n[n] for n in sorted(by_n)]
    read_marks(batch)
    return batch


def _apply(entry: Entry | None, op: str, rec: dict) -> bool:
    """Apply one step line; False when it cannot be (unknown step, missing fields)."""
    if entry is None:
        return False
    try:
        if op == "ready":
            entry.ready, entry.span_digest = True, str(rec["span_digest"])
            entry.new_sha256 = str(rec.get("new_sha256", ""))
        elif op == "done":
            entry.done = True
            entry.new_size, entry.new_mtime_ns = int(rec["new_size"]), int(rec["new_mtime_ns"])
        elif op == "renamed":
            entry.renamed = True
        elif op == "dropped":
            entry.dropped = True
        else:
            return False
    except (KeyError, TypeError, ValueError):
        return False
    return True


def read_marks(batch: Batch) -> None:
    """An undo's progress lines onto the batch's marks (both journals' undos write them)."""
    records, problems = read_lines(batch.folder / UNDO_LOG)
    batch.problems += problems
    for i, rec in records:
        n, op = rec.get("n"), rec["op"]
        if not isinstance(n, int):
            batch.problems.append(f"{UNDO_LOG} line {i} skipped (no file number)")
            continue
        mark = batch.mark(n)
        if op == "begin":
            mark.begun = True
        elif op == "name" and isinstance(rec.get("path"), str):
            mark.name = rec["path"]
        elif op == "ready" and isinstance(rec.get("sha256"), str):
            mark.ready_sha256 = rec["sha256"]
        elif op == "end" and isinstance(rec.get("path"), str):
            mark.end = rec
        else:
            batch.problems.append(f"{UNDO_LOG} line {i} skipped (an unknown or damaged step)")


class UndoLog:
    """An undo's own progress lines (see the module docstring), each fsync'd."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self._lines = LineFile(batch.folder / UNDO_LOG)

    def add(self, op: str, n: int, **values: object) -> None:
        self._lines.add({"op": op, "n": n, **values})

    def close(self) -> None:
        self._lines.close()


def batches(root: Path) -> Iterator[Batch]:
    """Recorded batches, newest first."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        if (folder / ENTRIES).exists():
            yield read_batch(folder)


def renames(root: Path) -> dict[str, str]:
    """Old path -> new path of each file a batch not undone renamed, newest batch first (a
    rename the index may not have learnt: the batch was killed before it could say)."""
    moved: dict[str, str] = {}
    for batch in batches(root):
        if batch.undone:
            continue
        for entry in batch.entries:
            if entry.new_path != entry.path and not entry.dropped:
                moved.setdefault(entry.path, entry.new_path)
    return moved


def mark_undone(batch: Batch) -> None:
    """The batch is undone: an older one is next (either journal's batches)."""
    path = batch.folder / UNDONE
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(time.strftime("%Y-%m-%d %H:%M:%S"))
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(batch.folder)
    except OSError as exc:
        raise JournalError(f"cannot mark batch {batch.id} undone ({exc.strerror or exc})") from exc
    batch.undone = True


def prune(root: Path, keep: int = KEEP_BATCHES, lines: str = ENTRIES) -> int:
    """Forget all but the newest `keep` batches (they can no longer be undone), and any
    batch a kill left before it began a file (`lines`: the batch's journal file, this
    journal's or the copies journal's); returns how many were removed."""
    folders = (
        sorted((p for p in root.iterdir() if p.is_dir()), reverse=True) if root.is_dir() else []
    )
    empty = [f for f in folders if not _has_entries(f / lines)]
    folders = [f for f in folders if f not in empty]
    for folder in empty + folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return len(empty) + max(0, len(folders) - keep)


def _has_entries(path: Path) -> bool:
    try:
        return b'"op": "begin"' in path.read_bytes()
    except OSError:
        return False
