"""The actions on copies as the shells use them: hide (from results), move to a folder,
send to the system trash, export, and undo; handed out through `app.copies`.

The steps live in `writing.copy_actions` / `copy_undo` (journaled, checked, undoable) and
`copies.hidden`; this object composes them with the index refresh and the folder watcher,
as `app.writes` does for metadata. Exports live in copies_export.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app.copies_export import export_groups
from soundseek.app.folders import usable_folder
from soundseek.app.own_writes import OwnWrites
from soundseek.copies.groups import CopyGroup
from soundseek.copies.hidden import DOC_NAME, HiddenCopies
from soundseek.errors import CopiesOptionError
from soundseek.files.roots import Root
from soundseek.index.places.place import Place
from soundseek.index.tables.records import FileKey
from soundseek.writing.copy_actions import DONE, ActionOutcome, plan_actions, run_actions
from soundseek.writing.copy_journal import ACTION_NAMES, HIDE, MOVE, TRASH, last_batch

if TYPE_CHECKING:
    from soundseek.writing.undo import Undone

__all__ = ["ActionOutcome", "CopiesBatch", "CopyActions"]


@dataclass(frozen=True)
class CopiesBatch:
    """The copies batch an undo would undo: its id, action (hide|move|trash), how many files
    it began, and the folder of a move."""

    id: str
    action: str
    files: int
    dest: str = ""


class CopyActions:
    """Hide, move, trash, export and undo for the open library (see `app.copies`)."""

    def __init__(self, data_dir: Path, place: Callable[[], Place],
                 roots: Callable[[], dict[str, Root]], own_writes: OwnWrites) -> None:  # fmt: skip
        self._data_dir = data_dir
        self._place = place  # changes with the library's location
        self._roots = roots  # root id -> Root: where a hidden file is on this machine
        self._own_writes = own_writes  # the watcher ignores these files' events

    @property
    def journal_dir(self) -> Path:
        """The copies journal's folder (beside the metadata journal), made if missing."""
        return usable_folder(self._data_dir / "journal-copies", "the copies journal")

    # -- hidden copies ----------------------------------------------------------------------
    def hidden_keys(self) -> set[FileKey]:
        """The index keys (root id, relpath) of the files hidden from results."""
        return self._hidden().hidden_keys()

    def hidden(self) -> set[str]:
        """The paths, on this machine, of the files hidden from results (a file of a library
        folder not known here is left out)."""
        roots = self._roots()
        return {roots[k.root_id].local_path(k.relpath) for k in self.hidden_keys()
                if k.root_id in roots}  # fmt: skip

    def _hidden(self) -> HiddenCopies:
        return HiddenCopies(self._place().doc(DOC_NAME))

    # -- actions ----------------------------------------------------------------------------
    def apply(self, action: str, groups: list[CopyGroup], dest: str | None = None,
              dry_run: bool = False, cancel: threading.Event | None = None,
              ) -> Iterator[ActionOutcome]:  # fmt: skip
        """Act on every copy of `groups` but its keeper: `hide` (from results; no file is
        touched), `move` (to the folder `dest`, never over another file: a taken name gets
        "name 2"), `trash` (the system trash). One journaled batch (undo with `undo_copies`
        or `app.changes.undo_last`), yielding an ActionOutcome per file: status done, refused
        (with its reason: changed since it was indexed, gone, its keeper gone...) or planned
        (`dry_run`: nothing is touched). `cancel` stops between files. Raises
        CopiesOptionError for an unknown action or a move without a usable folder, WritesBusy
        while another process acts on copies."""
        folder = self._check(action, dest, dry_run)
        if dry_run:
            yield from plan_actions(action, groups, folder)
            return
        acted: list[ActionOutcome] = []
        try:
            for o in run_actions(action, groups, self.journal_dir, self._hidden(), folder, cancel):
                if o.status == DONE and action != HIDE:
                    acted.append(o)
                yield o
        finally:
            self._after([o.new_path for o in acted if o.new_path], [o.path for o in acted])

    def _check(self, action: str, dest: str | None, dry_run: bool) -> str:
        if action not in ACTION_NAMES:
            raise CopiesOptionError(f"unknown action {action!r}: use one of "
                                    f"{', '.join(ACTION_NAMES)}")  # fmt: skip
        if action != MOVE:
            return ""
        if not dest:
            raise CopiesOptionError("moving copies needs a folder to move them to")
        folder = os.path.abspath(dest)
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise CopiesOptionError(f"{folder} is a file, not a folder to move copies to")
        if not dry_run:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise CopiesOptionError(f"cannot make the folder {folder} "
                                        f"({exc.strerror or exc})") from exc  # fmt: skip
        return folder

    def export(self, groups: list[CopyGroup], path: str) -> int:
        """Write the groups to `path`, CSV or JSON by its extension (one row per file: group
        id, level, path, keeper, offset_s, format, samplerate, bit_depth, channels, duration,
        size); returns the rows written. Raises CopiesOptionError for another extension."""
        return export_groups(groups, path)

    def last_action(self) -> CopiesBatch | None:
        """The copies batch `undo_copies` would undo, or None (so a shell can say what an
        undo puts back before it asks)."""
        batch = last_batch(self.journal_dir)
        if batch is None:
            return None
        return CopiesBatch(batch.id, batch.action, len(batch.entries), batch.dest)

    def undo_copies(self) -> tuple[str, list[Undone]]:
        """Undo the last copies batch: hidden copies shown again, moved and trashed ones put
        back at their names (a name now taken: a numbered one, said in the reason); returns
        (its id, each file's outcome), ("", []) if there is none."""
        from soundseek.writing.copy_undo import undo_last  # brings the metadata undo with it

        batch_id, action, outcomes = undo_last(self.journal_dir, self._hidden())
        if action in (MOVE, TRASH):
            back = [u for u in outcomes if u.restored]
            self._after([u.path for u in back], [u.was for u in back if u.was])
        return batch_id, outcomes

    def _after(self, present: list[str], gone: list[str]) -> None:
        """The index learns where the files are now; the watcher ignores these changes."""
        from soundseek.app.writing import refresh_after

        refresh_after(self._place(), present, gone)
        for path in present + gone:
            self._own_writes.add(path)
