"""`app.changes`: undo of the newest change SoundSeek made to the user's files, whichever
kind it was: a metadata write batch (`app.writes`) or a copies action (`app.copies`: hide,
move, trash). `soundseek undo` and the window's Undo use it; each journal keeps its own
batches, named by the time they were started, so the newer one is the one undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from soundseek.writing.copy_journal import batch_time_ns

if TYPE_CHECKING:
    from soundseek.app.copies_service import Copies
    from soundseek.app.write_service import Writes
    from soundseek.writing.undo import Undone

WRITE = "write"  # LastChange.action of a metadata batch; a copies batch: hide | move | trash
_DONE = {WRITE: "metadata written into", "hide": "copies hidden:",
         "move": "copies moved:", "trash": "copies sent to the trash:"}  # fmt: skip


@dataclass(frozen=True)
class LastChange:
    """The change an undo would undo: its batch id, `action` (write, hide, move or trash),
    how many files it holds, and the folder of a move."""

    batch_id: str
    action: str
    files: int
    dest: str = ""

    def describe(self) -> str:
        """One line for a confirmation, e.g. "copies moved: 12 files"."""
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        where = f" (to {self.dest})" if self.dest else ""
        return f"{_DONE.get(self.action, self.action)} {files}{where}"


class Changes:
    """The newest undoable change across the metadata and the copies journals."""

    def __init__(self, writes: Callable[[], Writes], copies: Callable[[], Copies]) -> None:
        self._writes = writes  # built on first use (they bring the index with them)
        self._copies = copies

    def last_change(self) -> LastChange | None:
        """What `undo_last` would undo, or None when there is nothing to undo."""
        write_id, files = self._writes().last_write()
        copies = self._copies().last_action()
        if copies is not None and batch_time_ns(copies.id) >= batch_time_ns(write_id):
            return LastChange(copies.id, copies.action, copies.files, copies.dest)
        return LastChange(write_id, WRITE, files) if write_id else None

    def undo_last(self) -> tuple[str, list[Undone]]:
        """Undo the newest change: (its batch id, each file's outcome: path, restored,
        reason, was), ("", []) when there is nothing to undo."""
        last = self.last_change()
        if last is None:
            return "", []
        if last.action == WRITE:
            return self._writes().undo_writes()
        return self._copies().undo_copies()
