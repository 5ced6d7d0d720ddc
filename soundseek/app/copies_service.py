"""`app.copies`: the library's copies of one sound, grouped, with the copy to keep.

Groups are read from the index: identical audio from the content hashes, the looser relations
(same recording, a region of a longer file) from the print index that the index run keeps.
A caller can narrow them to files under some paths (a group is shown whole when any of its
files is there). Search results collapse by these groups (`collapse`). What to do with the
copies (hide, move, trash, export, undo) is `CopyActions` (copies_actions), offered here too:
`app.copies.apply`, `export`, `hidden`, `last_action`, `undo_copies`."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app.copies_actions import ActionOutcome, CopiesBatch, CopyActions
from soundseek.copies.groups import RECORDING, CopyGroup, build_groups, check_level
from soundseek.errors import SoundSeekError
from soundseek.index.prints.relations import CONTAINED

if TYPE_CHECKING:
    from soundseek.files.roots import Root
    from soundseek.index.store import Store
    from soundseek.search.hits import SearchResult
    from soundseek.writing.undo import Undone

__all__ = ["ActionOutcome", "Copies", "CopiesBatch", "CopyActions"]


log = logging.getLogger(__name__)


class Copies:
    def __init__(self, store: Callable[[], Store], open_store: Callable[[], Store | None],
                 cache_dir: Callable[[], Path], roots: Callable[[], dict[str, Root]],
                 actions: CopyActions) -> None:  # fmt: skip
        self._store = store  # the open index's store (opened on first use)
        self._open_store = open_store  # the store if a library is open now, else None
        self._cache_dir = cache_dir  # the print and word indexes (read without the store)
        self._roots = roots  # root id -> Root, to place records read from the word index
        self._lock = threading.Lock()
        self._by_content: tuple[object, dict[str, CopyGroup]] | None = None
        self.actions = actions

    def groups(self, paths: list[str] | None = None, level: str = RECORDING) -> list[CopyGroup]:
        """Copy groups at `level` (identical, recording or contained: each admits the tighter
        ones), largest first; only those with a file under one of `paths` when given."""
        check_level(level)
        groups = self._all_groups(self._store(), level)
        if paths:
            roots = [os.path.abspath(p) for p in paths]
            groups = [g for g in groups if any(_under(c.path, roots) for c in g.copies)]
        return groups

    def _all_groups(self, store: Store, level: str) -> list[CopyGroup]:
        relations = store.prints.relations()
        contents = set(store.prints.shared_contents())
        contents |= {c for r in relations for c in (r.outer, r.inner)}
        records = store.records_by_hash(sorted(contents)) if contents else []
        return build_groups(records, relations, level)

    def group_of(self) -> Callable[[str], CopyGroup | None]:
        """content hash -> its group at "recording" (cached until files or relations change)."""
        store = self._open_store()
        if store is None:
            return lambda _content: None
        stamp = store.prints.stamp()
        with self._lock:
            if self._by_content is None or self._by_content[0] != stamp:
                groups = self._all_groups(store, RECORDING)
                by = {c.file.content_hash: g for g in groups for c in g.copies}
                self._by_content = (stamp, by)
            by_content = self._by_content[1]
        return by_content.get

    def collapse(self, result: SearchResult, limit: int, also_hide: str = "") -> SearchResult:
        """One row per sound, at most `limit`, files hidden from results left out;
        `also_hide`: the file "more like this" started from (never its own result, nor the
        copy shown for its copies). With no library open (the instant search path, which
        must not open the tables) the hits' groups come from the print and word indexes."""
        from soundseek.search.collapse import collapse

        hidden = self._hidden_now() | ({also_hide} if also_hide else set())
        group_of = self._for_hits(result) if self._open_store() is None else self.group_of()
        collapsed = collapse(result, group_of, hidden)
        collapsed.hits = collapsed.hits[:limit]
        return collapsed

    def _hidden_now(self) -> set[str]:
        """The hidden files, or none when they cannot be read now (a team library's storage
        out of reach): a search never fails for them."""
        try:
            return set(self.hidden())
        except (SoundSeekError, OSError) as exc:
            log.warning("hidden copies not read (%s): searching without them", exc)
            return set()

    def _for_hits(self, result: SearchResult) -> Callable[[str], CopyGroup | None]:
        """The groups of the hits' contents, from SQLite only: relations followed out from
        the hits (a group is connected), the files of those contents from the word index."""
        from soundseek.index.prints.printstore import open_reader
        from soundseek.index.wordindex.fts import existing_words

        contents = {h.file.content_hash for h in result.hits if h.file.content_hash}
        relations, todo = {}, set(contents)
        prints = open_reader(self._cache_dir())
        try:
            for _hop in range(4):
                found = prints.relations(sorted(todo)) if prints is not None and todo else []
                relations.update(((r.outer, r.inner), r) for r in found if r.level != CONTAINED)
                todo = {c for r in found for c in (r.outer, r.inner)} - contents
                contents |= todo
        finally:
            if prints is not None:
                prints.close()
        words = existing_words(self._cache_dir())
        if words is None:
            records = [h.file for h in result.hits]
        else:
            try:
                roots = self._roots()
                records = [replace(r, root=roots.get(r.root_id))
                           for r in words.records_by_hash(sorted(contents))]  # fmt: skip
            finally:
                words.close()
        groups = build_groups(records, relations.values(), RECORDING)
        return {c.file.content_hash: g for g in groups for c in g.copies}.get

    # -- what to do with the copies: CopyActions (copies_actions) ------------------------------
    def apply(self, action: str, groups: list[CopyGroup], dest: str | None = None,
              dry_run: bool = False, cancel: threading.Event | None = None,
              ) -> Iterator[ActionOutcome]:  # fmt: skip
        """Hide, move (to `dest`) or trash every copy of `groups` but its keeper, journaled
        and undoable; an ActionOutcome per file (see CopyActions.apply)."""
        return self.actions.apply(action, groups, dest, dry_run, cancel)

    def export(self, groups: list[CopyGroup], path: str) -> int:
        """The groups to a .csv or .json file; returns the rows (see CopyActions.export)."""
        return self.actions.export(groups, path)

    def hidden(self) -> set[str]:
        """The paths hidden from results (see CopyActions.hidden)."""
        return self.actions.hidden()

    def last_action(self) -> CopiesBatch | None:
        """The copies batch `undo_copies` would undo, or None."""
        return self.actions.last_action()

    def undo_copies(self) -> tuple[str, list[Undone]]:
        """Undo the last copies batch: (its id, each file's outcome)."""
        return self.actions.undo_copies()


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
