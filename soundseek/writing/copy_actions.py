"""Act on the copies of a group: hide them from results, move them to a folder, or send them
to the system trash. Nothing is deleted outright, and every action is journaled and undoable
(`copy_journal`, `copy_undo`).

The keeper is never acted on; neither is a copy whose keeper is gone or changed (the copies
would be all that is left). Before a file is acted on it must be what the group was read
from (its size and modification time as the index recorded them); its sha256 goes into the
journal first, so the undo recognises it by content. A refused file is reported with its
reason and the batch goes on; a cancel stops between files. One actor at a time across
processes (an OS lock beside the journal).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from soundseek.copies.groups import CopyGroup
from soundseek.index.places.lock import WriterLock
from soundseek.index.tables.records import FileKey, FileRecord
from soundseek.writing.batch import journal_lock
from soundseek.writing.copy_journal import (
    HIDE,
    MOVE,
    ActionEntry,
    ActionWriter,
    prune,
)
from soundseek.writing.copy_moves import free_name, move_file
from soundseek.writing.journal import sha256_file
from soundseek.writing.trash import send_to_trash

log = logging.getLogger(__name__)

DONE, REFUSED, PLANNED = "done", "refused", "planned"


@dataclass(frozen=True)
class ActionOutcome:
    """What happened to one copy: `status` done | refused | planned (a dry run); `new_path`
    where a move put it (would put it); `reason` why it was refused."""

    path: str
    action: str
    status: str
    new_path: str = ""
    reason: str = ""
    group: str = ""
    batch: str = ""


class Hider(Protocol):
    """Where hidden copies are kept (copies.hidden.HiddenCopies)."""

    def hidden_keys(self) -> set[FileKey]: ...

    def hide(self, keys: Iterable[FileKey]) -> None: ...

    def unhide(self, keys: Iterable[FileKey]) -> None: ...


@dataclass(frozen=True)
class Target:
    """One copy to act on, with the keeper it is a copy of."""

    file: FileRecord
    keeper: FileRecord
    group: str


def targets(groups: Iterable[CopyGroup]) -> list[Target]:
    """Every copy but the keepers, group by group."""
    return [Target(c.file, g.keeper.file, g.id) for g in groups for c in g.others
            if not c.keeper and c.path != g.keeper.path]  # fmt: skip


def action_lock(journal_root: Path) -> WriterLock:
    return journal_lock(journal_root / "actions.lock", "acting on copies", "the copies journal")


# -- checks -------------------------------------------------------------------------------------
def _as_indexed(rec: FileRecord) -> str:
    """Why the file is not as the index recorded it ("" when it is)."""
    try:
        st = os.lstat(rec.path)
    except FileNotFoundError:
        return "it is gone (moved or deleted since it was indexed)"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if os.path.islink(rec.path):
        return "a symbolic link; left alone"
    if (st.st_size, st.st_mtime_ns) != (rec.size, rec.mtime_ns):
        return "it changed since it was indexed; index it again to compare it"
    return ""


def refusal(t: Target) -> str:
    """Why this copy must not be acted on ("" when it may)."""
    if _as_indexed(t.keeper):
        return f"its keeper {t.keeper.path} is gone or changed; the copy is kept"
    if why := _as_indexed(t.file):
        return why
    try:
        if os.path.samefile(t.file.path, t.keeper.path):
            return "the same file as its keeper (a link); left alone"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    return ""


# -- a dry run ----------------------------------------------------------------------------------
def plan_actions(action: str, groups: Iterable[CopyGroup], dest: str = ""
                 ) -> Iterator[ActionOutcome]:  # fmt: skip
    """What `run_actions` would do, touching nothing."""
    taken: set[str] = set()
    for t in targets(groups):
        why = refusal(t)
        if why:
            yield ActionOutcome(t.file.path, action, REFUSED, reason=why, group=t.group)
            continue
        new = free_name(dest, t.file.filename, taken) if action == MOVE else ""
        taken.add(new)
        yield ActionOutcome(t.file.path, action, PLANNED, new_path=new, group=t.group)


# -- a batch ------------------------------------------------------------------------------------
def run_actions(action: str, groups: Iterable[CopyGroup], journal_root: Path, hider: Hider,
                dest: str = "", cancel: threading.Event | None = None,
                ) -> Iterator[ActionOutcome]:  # fmt: skip
    """Act on every copy but the keepers, one journaled batch, yielding each file's outcome."""
    items = targets(groups)
    if not items:
        return
    lock = action_lock(journal_root)
    try:
        prune(journal_root)
        journal = ActionWriter(journal_root, action, dest)
        try:
            for n, t in enumerate(items, 1):
                if cancel is not None and cancel.is_set():
                    return
                yield _act(journal, n, action, t, dest, hider)
        finally:
            journal.close()
    finally:
        lock.release()


def _act(journal: ActionWriter, n: int, action: str, t: Target, dest: str,
         hider: Hider) -> ActionOutcome:  # fmt: skip
    path = t.file.path
    why = refusal(t)
    if why:
        return ActionOutcome(path, action, REFUSED, reason=why, group=t.group)
    entry = ActionEntry(n, path, t.file.root_id, t.file.relpath, t.file.size, t.file.mtime_ns,
                        group=t.group)  # fmt: skip
    try:
        if action == HIDE:
            entry.was_hidden = t.file.key in hider.hidden_keys()
        else:
            entry.sha256 = sha256_file(path)
            entry.target = free_name(dest, t.file.filename) if action == MOVE else ""
        journal.begin(entry)
    except OSError as exc:
        reason = f"not done: the journal cannot record it ({exc.strerror or exc})"
        return ActionOutcome(path, action, REFUSED, reason=reason, group=t.group)
    try:
        _take(action, entry, hider)
    except OSError as exc:
        return ActionOutcome(path, action, REFUSED, reason=_why(exc), group=t.group,
                             batch=journal.batch.id)  # fmt: skip
    try:
        journal.done(entry)
    except OSError:  # the undo finds the file by looking at the disk
        log.warning("copies journal: no done line for %s", path, exc_info=True)
    return ActionOutcome(path, action, DONE, new_path=entry.target, group=t.group,
                         batch=journal.batch.id)  # fmt: skip


def _take(action: str, entry: ActionEntry, hider: Hider) -> None:
    if action == HIDE:
        hider.hide([FileKey(entry.root_id, entry.relpath)])
    elif action == MOVE:
        try:
            move_file(entry.path, entry.target, entry.sha256)
        except FileExistsError as exc:  # taken since the name was chosen: left where it was
            raise FileExistsError(exc.errno, "its new name was taken meanwhile; left where "
                                  "it was", entry.target) from exc  # fmt: skip
    else:
        send_to_trash(entry.path)


def _why(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text if isinstance(exc, FileExistsError) else f"not done ({text}); it is where it was"
