"""Undo a copies batch: hidden copies shown again, moved ones moved back, trashed ones taken
out of the system trash, each to the exact name it had.

An undo trusts the disk, checked against the journal, never the journal alone: a moved or
trashed file is recognised by the sha256 recorded before it was touched, so a file someone
changed since is left where it is, with the reason. A file now at the original name is never
replaced: the restored one gets a numbered name ("take 2.wav") and the result says so.

A `begin` without `done` (a kill during the action) is settled by what is on disk: the file
still at its name (never acted on; a second name or a verified copy a kill left at the new
place is removed), or at its new place or in the trash (acted on: put back). The undo's own
steps are journaled (see copy_journal), so a kill during the undo, then undo again, finishes
each file exactly once; the batch is marked undone once every file is settled.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from soundseek.errors import JournalError
from soundseek.files.durable import fsync_dir
from soundseek.index.tables.records import FileKey
from soundseek.writing.copy_actions import Hider, action_lock
from soundseek.writing.copy_journal import (
    HIDE,
    MOVE,
    ActionBatch,
    ActionEntry,
    last_batch,
)
from soundseek.writing.copy_moves import ContentMismatch, free_name, move_file, remove_part
from soundseek.writing.journal import UndoLog, UndoMark, mark_undone, sha256_file
from soundseek.writing.trash import forget, in_trash, stale_records
from soundseek.writing.undo import Undone


class _Left(Exception):
    """This file is not restored, for good (a retry would not change that)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _holds(path: str, entry: ActionEntry) -> bool:
    """Whether `path` is a plain file with the content the journal recorded."""
    if not path or not os.path.isfile(path) or os.path.islink(path):
        return False
    try:
        return sha256_file(path) == entry.sha256
    except OSError:
        return False


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _drop_extra(name: str, keep: str, entry: ActionEntry) -> None:
    """A second name of the restored file, or a verified copy of it, left by a kill."""
    if name and name != keep and (_same_file(name, keep) or _holds(name, entry)):
        os.unlink(name)
        fsync_dir(Path(name).parent)


def _restored(entry: ActionEntry, at: str, was: str = "") -> Undone:
    if at == entry.path:
        return Undone(entry.path, True, "", was=was)
    note = (f"{os.path.basename(entry.path)} is another file now; kept both: restored as "
            f"{os.path.basename(at)}")  # fmt: skip
    return Undone(at, True, note, was=was)


def _home_for(entry: ActionEntry, mark: UndoMark, log: UndoLog) -> str:
    """The name to restore it under: its own, or a numbered one when that holds another
    file (recorded before it is taken, so a retry after a kill takes the same one)."""
    if mark.name:
        return mark.name
    if not os.path.lexists(entry.path):
        return entry.path
    folder, name = os.path.split(entry.path)
    mark.name = free_name(folder, name)
    log.add("name", entry.n, path=mark.name)
    return mark.name


def _put_back(source: str, entry: ActionEntry, mark: UndoMark, log: UndoLog) -> str:
    """Move it home; the undo's `begin` is recorded first (after a kill, the file found at
    home then counts as restored, not as never acted on)."""
    if not mark.begun:
        log.add("begin", entry.n)
        mark.begun = True
    home = _home_for(entry, mark, log)
    os.makedirs(os.path.dirname(home), exist_ok=True)
    try:
        move_file(source, home, entry.sha256)
    except ContentMismatch as exc:
        raise _Left("its copy back did not match the journal; left where it is") from exc
    return home


# -- one file -----------------------------------------------------------------------------------
def _undo_move(entry: ActionEntry, mark: UndoMark, log: UndoLog) -> Undone:
    for name in (entry.path, mark.name):
        if name:
            remove_part(name)
    remove_part(entry.target)
    for at in (mark.name, entry.path):
        if _holds(at, entry):  # at home: a second name or a copy a kill left goes
            _drop_extra(entry.target, at, entry)
            if at == entry.path and not mark.begun:
                return Undone(entry.path, False, "never moved (the batch stopped before it)")
            return _restored(entry, at, was=entry.target)
    if _holds(entry.target, entry):
        return _restored(entry, _put_back(entry.target, entry, mark, log), was=entry.target)
    if os.path.lexists(entry.target):
        raise _Left(f"changed since SoundSeek moved it to {entry.target}; left there")
    raise _Left(f"it is gone from {entry.target} (moved or deleted since)")


def _undo_trash(entry: ActionEntry, mark: UndoMark, log: UndoLog) -> Undone:
    for at in (mark.name, entry.path):
        if _holds(at, entry):
            for stale in stale_records(entry.path):
                forget(stale)
            if at == entry.path and not mark.begun:
                return Undone(entry.path, False, "never trashed (the batch stopped before it)")
            return _restored(entry, at)
    found = in_trash(entry.path)
    ours = [t for t in found if _holds(t.path, entry)]
    if not ours:
        if found:
            raise _Left("in the trash but changed there; left in the trash")
        raise _Left("not in the trash any more (emptied or restored elsewhere)")
    item = ours[-1]
    home = _put_back(item.path, entry, mark, log)
    forget(item)
    return _restored(entry, home)


def _undo_hide(entry: ActionEntry, hider: Hider) -> Undone:
    if not entry.was_hidden:
        hider.unhide([FileKey(entry.root_id, entry.relpath)])
        return Undone(entry.path, True, "shown in results again")
    return Undone(entry.path, True, "was hidden before this batch; still hidden")


# -- a batch ------------------------------------------------------------------------------------
def _one(batch: ActionBatch, entry: ActionEntry, log: UndoLog, hider: Hider
         ) -> tuple[Undone, bool]:  # fmt: skip
    """(what happened, whether it is settled for good)."""
    mark = batch.mark(entry.n)
    if mark.end is not None:  # done by an undo that was stopped before it marked the batch
        end = mark.end
        return Undone(end["path"], bool(end.get("restored")), str(end.get("reason", "")),
                      str(end.get("was", ""))), True  # fmt: skip
    try:
        if batch.action == HIDE:
            result = _undo_hide(entry, hider)
        else:
            undo = _undo_move if batch.action == MOVE else _undo_trash
            result = undo(entry, mark, log)
    except _Left as exc:
        result = Undone(entry.path, False, exc.reason)
    except OSError as exc:
        reason = f"could not be restored ({exc.strerror or exc}); run undo again to retry"
        return Undone(entry.path, False, reason), False
    log.add("end", entry.n, path=result.path, restored=result.restored, reason=result.reason,
            was=result.was)  # fmt: skip
    return result, True


def undo_batch(batch: ActionBatch, hider: Hider) -> Iterator[Undone]:
    """Undo each file, newest first, yielding what happened (skipped journal lines first).
    The batch is marked undone once every file is settled."""
    for problem in batch.problems:
        yield Undone(str(batch.folder), False, problem)
    try:
        log = UndoLog(batch)  # type: ignore[arg-type]  # it needs only the folder
    except OSError as exc:
        raise JournalError(f"cannot record the undo in {batch.folder} ({exc})") from exc
    settled = True
    try:
        for entry in reversed(batch.entries):
            result, final = _one(batch, entry, log, hider)
            settled = settled and final
            yield result
    finally:
        log.close()
    if settled:
        mark_undone(batch)


def undo_last(journal_root: Path, hider: Hider) -> tuple[str, str, list[Undone]]:
    """Undo the newest copies batch not yet undone: (its id, its action, each file's
    outcome); ("", "", []) when there is none. Holds the copies lock."""
    lock = action_lock(journal_root)
    try:
        batch = last_batch(journal_root)
        if batch is None:
            return "", "", []
        return batch.id, batch.action, list(undo_batch(batch, hider))
    finally:
        with contextlib.suppress(OSError):
            lock.release()
