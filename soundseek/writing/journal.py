"""The write journal: every batch is recorded before it touches a file, so it can be undone.

A batch is a folder under the journal directory: `entries.jsonl` (one fsync'd line per step)
and `keep/`, the original bytes SoundSeek replaced: everything but the audio bytes where the
written file still holds them unchanged (WAVE data, AIFF sound data, FLAC and MP3 frames; an
undo takes them from the current file, checking their hash), the whole original for Ogg,
whose pages a comment edit renumbers.

A file's `begin` line is on disk before its temporary copy is made, and its `done` line after
the replace; a kill between the two leaves a `begin` alone, which `undo` and the next batch
settle by looking at the file itself.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

UNDONE = "undone"
KEEP_BATCHES = 20  # older batches are forgotten (their saved bytes can be large: Ogg originals)


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


@dataclass
class Batch:
    folder: Path
    entries: list[Entry] = field(default_factory=list)
    undone: bool = False

    @property
    def id(self) -> str:
        return self.folder.name

    def keep_path(self, entry: Entry) -> Path:
        return self.folder / "keep" / entry.keep


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in this folder durable (POSIX)."""
    if os.name == "nt":  # Windows has no directory handles to sync
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JournalWriter:
    """Appends a batch's lines; each is fsync'd before the step it announces is taken."""

    def __init__(self, root: Path) -> None:
        # Names sort in the order batches were made (undo takes the newest): the readable
        # second, then the full nanosecond clock, then the process.
        now = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now / 1e9))
        folder = root / f"{stamp}-{now:020d}-{os.getpid()}"
        (folder / "keep").mkdir(parents=True)
        fsync_dir(root)
        self.batch = Batch(folder)
        self._fh = open(folder / "entries.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def _line(self, record: dict, sync: bool = True) -> None:
        self._fh.write(json.dumps(record) + "\n")  # ASCII: names that are not UTF-8 too
        self._fh.flush()
        if sync:
            os.fsync(self._fh.fileno())

    def begin(self, entry: Entry) -> None:
        fsync_dir(self.batch.folder / "keep")
        self._line({"op": "begin", **asdict(entry)})
        self.batch.entries.append(entry)

    def done(self, entry: Entry) -> None:
        entry.done = True
        # Not synced: lost in a crash, the file's `ready` line still makes undo look at it.
        self._line({"op": "done", "n": entry.n, "new_size": entry.new_size,
                    "new_mtime_ns": entry.new_mtime_ns}, sync=False)  # fmt: skip

    def ready(self, entry: Entry) -> None:
        """The verified copy is on disk; the replace comes next."""
        self._line({"op": "ready", "n": entry.n, "span_digest": entry.span_digest})

    def renamed(self, entry: Entry) -> None:
        entry.renamed = True
        self._line({"op": "renamed", "n": entry.n})

    def close(self) -> None:
        self._fh.close()


def read_batch(folder: Path) -> Batch:
    """A batch as its lines say; a torn last line (a kill mid-write) is ignored."""
    batch = Batch(folder, undone=(folder / UNDONE).exists())
    by_n: dict[int, Entry] = {}
    lines = (folder / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        op = rec.pop("op")
        if op == "begin":
            rec["span"] = tuple(rec["span"]) if rec.get("span") else None
            by_n[rec["n"]] = Entry(**rec)
        elif rec.get("n") in by_n:
            _apply(by_n[rec["n"]], op, rec)
    batch.entries = [by_n[n] for n in sorted(by_n)]
    return batch


def _apply(entry: Entry, op: str, rec: dict) -> None:
    if op == "ready":
        entry.ready, entry.span_digest = True, rec["span_digest"]
    elif op == "done":
        entry.done, entry.new_size, entry.new_mtime_ns = True, rec["new_size"], rec["new_mtime_ns"]
    elif op == "renamed":
        entry.renamed = True


def batches(root: Path) -> Iterator[Batch]:
    """Recorded batches, newest first."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        if (folder / "entries.jsonl").exists():
            yield read_batch(folder)


def mark_undone(batch: Batch) -> None:
    (batch.folder / UNDONE).write_text(time.strftime("%Y-%m-%d %H:%M:%S"), encoding="utf-8")
    batch.undone = True


def prune(root: Path, keep: int = KEEP_BATCHES) -> int:
    """Forget all but the newest `keep` batches (they can no longer be undone); returns how
    many were removed."""
    folders = (
        sorted((p for p in root.iterdir() if p.is_dir()), reverse=True) if root.is_dir() else []
    )
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return max(0, len(folders) - keep)
