"""`app.writes`: accepted categories and tags written into the audio files, and undone.

It chooses the files (by path or by what a query strongly matches), plans and writes one
journaled batch, refreshes the index from what was written and tells the folder watcher
which changes are its own; `undo_writes` puts the last batch back byte for byte. The steps
live in `writing` and `renames`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app import writing
from soundseek.app.folders import usable_folder
from soundseek.app.own_writes import OwnWrites
from soundseek.app.renames import unlearned_renames
from soundseek.app.settings import Settings
from soundseek.index.places.place import Place
from soundseek.search.hits import SearchResult
from soundseek.writing.batch import WriteProgress
from soundseek.writing.undo import Undone

if TYPE_CHECKING:
    from soundseek.index.store import Store


class Writes:
    """Write-back and undo for the open library."""

    def __init__(
        self,
        data_dir: Path,
        settings: Callable[[], Settings],
        place: Callable[[], Place],
        store: Callable[[], Store],
        search: Callable[[str, int], SearchResult],
        own_writes: OwnWrites,
    ) -> None:
        self._data_dir = data_dir
        self._settings = settings
        self._place = place  # changes with the library's location
        self._store = store  # the open index's store (opened on first use)
        self._search = search  # what a query really matches (the application's search)
        self._own_writes = own_writes  # the watcher ignores these files' events

    @property
    def journal_dir(self) -> Path:
        """The undo journal's folder, made if missing (a file or a permission in its way is a
        one-line SoundSeekError, never an OSError from the middle of a write)."""
        return usable_folder(self._data_dir / "journal", "the undo journal")

    def write_metadata(
        self, paths: list[str] | None = None, query: str | None = None, rename: bool = False,
        dry_run: bool = False, cancel: threading.Event | None = None, limit: int = 10_000,
    ) -> Iterator[WriteProgress]:  # fmt: skip
        """Write accepted categories and tags into the files (all annotated files when no
        paths or query; a query's strong matches, every file for a filter such as
        `tag:keeper`), one journaled batch; `dry_run` shows what would change. Raises
        WritesBusy while another process writes metadata."""
        store = self._store()
        if not dry_run:
            self._learn_renames(store)
        if query:  # what the query really matches: its strong hits, never the weaker ones
            hits = self._search(query, limit).hits
            sel = writing.Selection(records=[h.file for h in hits if h.strong])
        else:
            sel = writing.Selection(paths=paths)
        records, missing = writing.chosen_records(store, sel)
        s = self._settings()
        naming = writing.Naming(s.ucs_creator_id, s.ucs_source_id)
        plans = writing.plan_writes(store, records, naming, rename, self.journal_dir)
        yield from writing.refusals(missing, plans)
        if not dry_run:
            writing.rekey(self._place(), writing.old_fingerprints(records))
        done = yield from writing.tracked(writing.write(self.journal_dir, writing.planned(plans),
                                                        dry_run, cancel))  # fmt: skip
        if not dry_run:
            self._after_write(done)

    def last_write(self) -> tuple[str, int]:
        """The batch `undo_writes` would undo: (its id, how many files), ("", 0) if none;
        so a shell can say how many files an undo puts back before it asks."""
        batch = writing.last_batch(self.journal_dir)
        return (batch.id, len(batch.entries)) if batch is not None else ("", 0)

    def undo_writes(self) -> tuple[str, list[Undone]]:
        """Undo the last write batch byte for byte: (its id, each file's outcome)."""
        batch_id, outcomes = writing.undo(self.journal_dir)
        restored = [(u.was or u.path, u.path) for u in outcomes if u.restored]
        self._after_write(restored)
        return batch_id, outcomes

    def _learn_renames(self, store: Store) -> None:
        """Renames of a killed batch the index never learned: their rows move (with their
        vectors) to the new names before anything is chosen or planned."""
        if self.journal_dir.is_dir():
            moved = unlearned_renames(store, self.journal_dir)
            if moved:
                self._after_write(moved)

    def _after_write(self, written: list[tuple[str, str]]) -> None:
        """(path before, path now) of each written file: refresh the index, mute the watcher."""
        now = [new for _, new in written]
        gone = [old for old, new in written if old != new]
        writing.refresh_after(self._place(), now, gone)
        for path in now + gone:
            self._own_writes.add(path)
