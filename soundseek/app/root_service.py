"""`app.roots`: the library folders of this home's library, and their counts.

It lists, adds, removes and re-points folders (by the rules in `root_rules`), announces
each change on the event bus, and counts files per folder: live from the open index (which
refreshes the cached summary a window shows at start-up) or from that cached summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from soundseek.app import root_rules
from soundseek.app.events import EventBus, RootsChanged
from soundseek.app.settings import Settings
from soundseek.app.status import RootSummary
from soundseek.app.summary import Summary, read_summary, write_summary
from soundseek.files.roots import Root
from soundseek.index.places.place import Place
from soundseek.index.places.registry import RootRegistry
from soundseek.paths import AppPaths

if TYPE_CHECKING:
    from soundseek.index.store import Store

log = logging.getLogger(__name__)


class Roots:
    """Library folders: the registry of the library's place, as this machine sees it."""

    def __init__(
        self,
        paths: AppPaths,
        place: Callable[[], Place],
        registry: Callable[[], RootRegistry],
        store: Callable[[], Store],
        settings: Callable[[], Settings],
        update_settings: Callable[..., Settings],
        events: EventBus,
    ) -> None:
        self._paths = paths
        self._place = place  # both change when the library's location changes
        self._registry = registry
        self._store = store  # the open index's store (opened on first use)
        self._settings = settings
        self._update_settings = update_settings
        self._events = events
        self.last_run: tuple[str, float] = ("", 0.0)  # who indexed, when: as last counted

    def all(self) -> list[Root]:
        return self._registry().load()

    def add_root(self, path: str) -> root_rules.RootAdded:
        result = root_rules.add_root(self._registry(), path)
        if result.added:
            self._changed()
        return result

    def remove_root(self, ref: str) -> Root:
        gone = root_rules.remove_root(self._registry(), ref)
        self._changed()
        return gone

    def relocate_root(self, ref: str, new_path: str, force: bool = False) -> root_rules.Relocation:
        """Re-point a library folder that moved; every vector, envelope and row is kept. In a
        shared library only this machine's mount point changes (`map_root`)."""
        if self._place().shared:
            return self.map_root(ref, new_path, force)
        root = root_rules.find_root(self.all(), ref)
        relpaths = self._store().relpaths(root.id)
        move = root_rules.check_relocation(self.all(), ref, new_path, relpaths, force)
        root_rules.apply_relocation(self._registry(), move)
        log.info("relocated %s -> %s (%d/%d files found)", move.old_path, move.root.path,
                 move.found, move.checked)  # fmt: skip
        self._changed()
        return move

    def map_root(self, ref: str, local_path: str, force: bool = False) -> root_rules.Relocation:
        """Where this machine has a (shared) library folder: `/Volumes/SFX` here, `/mnt/sfx`
        on the render node. Checked like a relocation; stored in this home's settings only."""
        roots = self.all()
        root = root_rules.find_root(roots + self._registry().stored(), ref)
        relpaths = self._store().relpaths(root.id)
        move = root_rules.check_relocation(roots, root.id, local_path, relpaths, force)
        mounts = {**self._settings().root_mounts, root.id: move.root.path}
        self._update_settings(root_mounts=mounts)
        log.info("mapped root %s to %s here (%d/%d files found)", root.id, move.root.path,
                 move.found, move.checked)  # fmt: skip
        self._changed()
        return move

    def _changed(self) -> None:
        self._events.emit(RootsChanged(self.all()))

    # -- counts per folder ----------------------------------------------------------------------
    def cached_summary(self) -> Summary:
        return read_summary(self._paths)

    def root_summaries(self) -> list[RootSummary]:
        """Live counts per library folder (refreshes the cached summary)."""
        store = self._store()
        counts = {k: asdict(v) for k, v in store.counts_by_root().items()}
        self.last_run = (store.info.indexed_by, store.info.indexed_at)
        self._save_summary(store, counts)
        return [_root_summary(r, counts.get(r.id, {})) for r in self.all()]

    def cached_root_summaries(self) -> list[RootSummary]:
        """From the cached summary: instant, possibly a little stale."""
        cached = self.cached_summary().roots
        return [_root_summary(r, cached.get(r.id, {})) for r in self.all()]

    def _save_summary(self, store: Store, counts: dict[str, dict[str, int]]) -> None:
        summary = Summary(
            roots=counts,
            indexed=sum(c["indexed"] for c in counts.values()),
            errors=sum(c["errors"] for c in counts.values()),
            windows=store.windows.count(),
            index_model=store.info.model_id,
        )
        try:
            write_summary(self._paths, summary)
        except OSError:
            log.warning("could not write %s", self._paths.summary_file, exc_info=True)


def _root_summary(root: Root, counts: dict[str, int]) -> RootSummary:
    known = ("files", "indexed", "pending", "errors")
    return RootSummary(root, root.online, **{k: counts[k] for k in known if k in counts})
