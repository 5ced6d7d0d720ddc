"""Run a write batch: one writer (an OS lock across processes), one file at a time,
journaled, cancellable between files, reporting each file as it goes."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from soundseek.errors import JournalError, StoreLocked, WriteRefused, WritesBusy
from soundseek.index.places.lock import WriterLock
from soundseek.writing.journal import KEEP_BATCHES, JournalWriter, batches, prune
from soundseek.writing.plan import PlannedWrite
from soundseek.writing.safefile import write_file


@dataclass(frozen=True)
class FileOutcome:
    """status: written | refused | unchanged | planned (a dry run)."""

    path: str
    status: str
    new_path: str = ""
    reason: str = ""
    format: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    before: dict[str, str] = field(default_factory=dict)
    was: str = ""  # the indexed path, when the file was found under a name a batch gave it


@dataclass(frozen=True)
class WriteProgress:
    done: int
    total: int
    outcome: FileOutcome
    batch_id: str = ""


def writer_lock(journal_root: Path) -> WriterLock:
    return journal_lock(journal_root / "write.lock", "writing metadata", "the write journal")


def journal_lock(path: Path, doing: str, journal: str) -> WriterLock:
    """One process at a time changes users' files through a journal: the lock at `path`, or
    WritesBusy saying what the other process is `doing`."""
    lock = WriterLock(path)
    try:
        return lock.acquire()
    except StoreLocked as exc:
        raise WritesBusy(f"another SoundSeek process is {doing}; try again when it "
                         "has finished") from exc  # fmt: skip
    except OSError as exc:  # a full disk, a journal folder that is a file, permissions
        raise JournalError(f"cannot use {journal} in {path.parent} "
                           f"({exc.strerror or exc})") from exc  # fmt: skip


def settle(journal_root: Path) -> int:
    """Remove the temporary copies a killed batch left beside its files; returns how many."""
    removed = 0
    for batch in batches(journal_root):
        if batch.undone:
            continue
        for entry in batch.entries:
            if not entry.done and os.path.exists(entry.temp):
                with contextlib.suppress(OSError):
                    os.unlink(entry.temp)
                    removed += 1
    return removed


def _outcome(plan: PlannedWrite, status: str, **kw: str) -> FileOutcome:
    return FileOutcome(plan.path, status, fields=plan.change.values(), before=plan.before,
                       was=plan.was, **kw)  # fmt: skip


def dry_run(plans: Iterable[PlannedWrite]) -> Iterator[WriteProgress]:
    items = list(plans)
    for i, plan in enumerate(items, 1):
        status = "planned" if plan.change else "unchanged"
        yield WriteProgress(i, len(items), _outcome(plan, status, new_path=plan.new_path,
                                                     reason=plan.note))  # fmt: skip


def run_batch(plans: Iterable[PlannedWrite], journal_root: Path,
              cancel: threading.Event | None = None) -> Iterator[WriteProgress]:  # fmt: skip
    """Write each planned file; a refused file is reported and the batch goes on."""
    items = list(plans)
    if not any(p.change for p in items):  # nothing to write: no batch to undo either
        yield from dry_run(items)
        return
    lock = writer_lock(journal_root)
    try:
        settle(journal_root)
        prune(journal_root, KEEP_BATCHES - 1)
        journal = JournalWriter(journal_root)
        try:
            yield from _each(items, journal, cancel)
        finally:
            journal.close()
    finally:
        lock.release()


def _each(items: list[PlannedWrite], journal: JournalWriter,
          cancel: threading.Event | None) -> Iterator[WriteProgress]:  # fmt: skip
    for i, plan in enumerate(items, 1):
        if cancel is not None and cancel.is_set():
            return
        if not plan.change:
            outcome = _outcome(plan, "unchanged", reason=plan.note)
        else:
            try:
                done = write_file(plan.path, plan.change, journal, i, plan.new_path)
                moved = done.path if done.path != plan.path else ""
                outcome = _outcome(plan, "written", new_path=moved, format=done.format,
                                   reason=done.note or plan.note)  # fmt: skip
            except WriteRefused as exc:
                outcome = _outcome(plan, "refused", reason=exc.reason)
        yield WriteProgress(i, len(items), outcome, journal.batch.id)
