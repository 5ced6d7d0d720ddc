"""The copies journal: every action on a copy (hide, move, trash) is recorded before it is
taken, so it can be undone.

A batch is a folder under `journal-copies/` (beside the metadata write journal, which it
never mixes with): `actions.jsonl`, whose first line declares the batch
(`{"op": "batch", "format": 1, "action": ..., "dest": ...}`), then per file a `begin` line
(where the file is, its index key, size, modification time and sha256, and for a move the
name it gets) fsync'd before the file is touched, and a `done` line fsync'd after. A kill
between the two leaves a `begin` alone: the undo settles it by looking at the disk, never by
trusting the line.

An undo records its own progress in `undo.jsonl` (the metadata journal's steps: `begin`
before it touches a file, `name` before it takes a numbered name, `end` with the outcome),
so a kill during an undo, then `undo` again, finishes each file exactly once; `undone` marks
the batch settled.

A line that cannot be read (not JSON, not UTF-8, missing fields) is skipped and reported;
unknown fields are ignored (newer versions may add some); a torn last line is dropped.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from soundseek.errors import JournalError
from soundseek.files.durable import LineFile, fsync_dir
from soundseek.writing.journal import UNDONE, UndoMark, read_lines, read_marks
from soundseek.writing.journal import prune as prune_batches

ACTIONS = "actions.jsonl"
FORMAT = 1
KEEP_BATCHES = 50  # older batches are forgotten (they hold no bytes, only lines)
HIDE, MOVE, TRASH = "hide", "move", "trash"
ACTION_NAMES = (HIDE, TRASH, MOVE)


@dataclass
class ActionEntry:
    """One file of a batch: where it was and what it was, so the action can be reversed."""

    n: int
    path: str
    root_id: str
    relpath: str
    size: int
    mtime_ns: int
    sha256: str = ""  # the whole file before it was moved or trashed ("" for a hide)
    target: str = ""  # a move: the name it gets
    group: str = ""
    was_hidden: bool = False  # a hide of a file already hidden: its undo leaves it hidden
    done: bool = False


@dataclass
class ActionBatch:
    folder: Path
    action: str = ""
    dest: str = ""
    format: int = FORMAT
    entries: list[ActionEntry] = field(default_factory=list)
    undone: bool = False
    problems: list[str] = field(default_factory=list)  # journal lines skipped, and why
    marks: dict[int, UndoMark] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.folder.name

    def mark(self, n: int) -> UndoMark:
        return self.marks.setdefault(n, UndoMark())


class ActionWriter:
    """Appends a batch's lines; each is fsync'd before the step it announces is taken."""

    def __init__(self, root: Path, action: str, dest: str = "") -> None:
        now = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now / 1e9))
        folder = root / f"{stamp}-{now:020d}-{os.getpid()}"
        try:
            folder.mkdir(parents=True)
            fsync_dir(root)
            self._lines = LineFile(folder / ACTIONS)
            self._lines.add({"op": "batch", "format": FORMAT, "action": action, "dest": dest,
                             "created": time.strftime("%Y-%m-%dT%H:%M:%S")})  # fmt: skip
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise JournalError(f"cannot start a copies batch in {root} "
                               f"({exc.strerror or exc}); nothing was done") from exc  # fmt: skip
        self.batch = ActionBatch(folder, action, dest)

    def begin(self, entry: ActionEntry) -> None:
        self._lines.add({"op": "begin", **asdict(entry)})
        self.batch.entries.append(entry)

    def done(self, entry: ActionEntry) -> None:
        entry.done = True
        self._lines.add({"op": "done", "n": entry.n})

    def close(self) -> None:
        """A batch that began no file is removed: there is nothing to undo."""
        self._lines.close()
        if not self.batch.entries:
            shutil.rmtree(self.batch.folder, ignore_errors=True)


# -- reading ----------------------------------------------------------------------------------
_FIELDS = {f.name for f in fields(ActionEntry)}
_REQUIRED = {"n": int, "path": str, "root_id": str, "relpath": str, "size": int,
             "mtime_ns": int, "sha256": str, "target": str}  # fmt: skip


def _entry(rec: dict) -> ActionEntry | None:
    for name, kind in _REQUIRED.items():
        value = rec.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    try:
        return ActionEntry(**{k: v for k, v in rec.items() if k in _FIELDS and k != "done"})
    except TypeError:
        return None


def read_batch(folder: Path) -> ActionBatch:
    """A batch as its lines say; unreadable lines are skipped and listed in `problems`."""
    batch = ActionBatch(folder, undone=(folder / UNDONE).exists())
    records, batch.problems = read_lines(folder / ACTIONS)
    by_n: dict[int, ActionEntry] = {}
    for i, rec in records:
        op = rec["op"]
        if op == "batch" and isinstance(rec.get("action"), str):
            batch.action, batch.dest = rec["action"], str(rec.get("dest") or "")
            batch.format = rec["format"] if isinstance(rec.get("format"), int) else FORMAT
        elif op == "begin" and (entry := _entry(rec)) is not None:
            by_n[entry.n] = entry
        elif op == "done" and rec.get("n") in by_n:
            by_n[rec["n"]].done = True
        else:
            batch.problems.append(f"{ACTIONS} line {i} skipped (an unknown or damaged step)")
    if batch.action not in ACTION_NAMES:
        batch.problems.append(f"{ACTIONS}: no readable batch line; nothing in it is undone")
        by_n = {}
    batch.entries = [by_n[n] for n in sorted(by_n)]
    read_marks(batch)
    return batch


def batches(root: Path) -> Iterator[ActionBatch]:
    """Recorded batches, newest first."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        if (folder / ACTIONS).exists():
            yield read_batch(folder)


def last_batch(root: Path) -> ActionBatch | None:
    """The batch an undo would undo: the newest not yet undone that began a file."""
    return next((b for b in batches(root) if not b.undone and b.entries), None)


def batch_time_ns(batch_id: str) -> int:
    """When a batch (of this journal or the metadata one: the same naming) was started."""
    parts = batch_id.split("-")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0


def prune(root: Path, keep: int = KEEP_BATCHES) -> None:
    """Forget all but the newest `keep` batches, and any a kill left before it began a file.
    The caller holds the copies lock."""
    prune_batches(root, keep, ACTIONS)
