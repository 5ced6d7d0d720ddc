"""The application: one object the desktop app, the CLI and headless services all use.

`App` keeps what every part shares: the settings, the event bus, where the library is and
its open index, status, index runs and search. The rest it hands out as small objects built
over the modules beside it: `app.models` (model_service), `app.roots` (root_service),
`app.review` (review_service), `app.writes` (write_service), `app.media` (media_service),
`app.copies` (copies_service) and `app.changes` (changes: undo of the newest change).

Opening it is cheap (settings, library folders, a cached summary); the index (LanceDB) and
the model (torch) load on first use or when a shell asks, so a window can appear at once and
open them in the background. Imports inside functions below are kept on purpose: each brings
LanceDB, numpy or torch, which `import soundseek.app` must not (the window's start-up time;
tests/test_architecture checks it). Methods are safe to call from worker threads; the index
is written only inside `index()`, which holds the writer lock for the run.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app import root_rules
from soundseek.app.changes import Changes
from soundseek.app.events import EventBus, LibraryOpened, RootsChanged, SettingsChanged
from soundseek.app.index_runs import IndexRunner
from soundseek.app.location import (
    LOCAL,
    LocationInfo,
    check_location,
    local_place,
    mirror_folder,
    place_for,
)
from soundseek.app.location import describe as describe_location
from soundseek.app.model_service import Models
from soundseek.app.own_writes import OwnWrites
from soundseek.app.root_service import Roots
from soundseek.app.services import Services
from soundseek.app.settings import (
    Settings,
    load_settings,
    save_changes,
    save_settings,
    settings_stamp,
)
from soundseek.app.status import FileError, LibraryStatus
from soundseek.errors import ModelError, QuerySyntaxError, SoundSeekError
from soundseek.files.roots import new_root
from soundseek.index.places.registry import RootRegistry
from soundseek.metadata.ucs import load_catalog
from soundseek.paths import AppPaths, app_paths

if TYPE_CHECKING:
    from soundseek.app.cluster import ClusterOptions
    from soundseek.app.library import Library
    from soundseek.embed.base import Embedder
    from soundseek.index.store import Store
    from soundseek.ingest.index_run import IndexProgress
    from soundseek.search.hits import SearchResult
    from soundseek.search.steer_request import Steer

# Settings that change which library this home opens, or how it reads it.
LOCATION_KEYS = frozenset({"location", "s3_endpoint", "s3_region", "root_mounts",
                           "mirror_shared", "search_local_too"})  # fmt: skip


log = logging.getLogger(__name__)


class App(Services):
    """SoundSeek for one home (settings, models) and its index."""

    def __init__(self, paths: AppPaths, settings: Settings) -> None:
        self.paths = paths
        self._settings = settings
        self._settings_stamp = settings_stamp(paths)
        self.events = EventBus()
        self._library: Library | None = None
        self._open_lock = threading.Lock()
        self._bind_place()
        self.own_writes = OwnWrites()  # the watcher ignores these files' events
        self.models = Models(paths, lambda: self._settings, self.update_settings, self.events,
                             self._embedder_changed)  # fmt: skip
        self.roots = Roots(paths, lambda: self.place, lambda: self.registry, self._store,
                           lambda: self._settings, self.update_settings, self.events)  # fmt: skip
        self._runner = IndexRunner(paths, lambda: self._settings, lambda: self.place,
                                   self.roots, self.models, self.events)  # fmt: skip
        self.changes = Changes(lambda: self.writes, lambda: self.copies)  # undo of the newest

    def _bind_place(self) -> None:
        """Where the library is, from the settings (again after a location or mount change)."""
        self.place = place_for(self.paths, self._settings)
        self.registry = RootRegistry(self.place.doc("roots.json"), self.place.mounts)
        self.close()  # the open index was the old place's

    @classmethod
    def open(cls, paths: AppPaths | None = None) -> App:
        """Cheap: no index, no model yet. Folders listed by version-1 settings are adopted."""
        paths = (paths or app_paths()).ensure()
        settings, legacy_roots = load_settings(paths)
        app = cls(paths, settings)
        for path in legacy_roots:
            if Path(path).is_dir():
                root_rules.add_root(app.registry, path)
            elif path not in {r.path for r in app.roots.all()}:  # unplugged: keeps its place
                app.registry.update(lambda rs, p=path: [*rs, new_root(p)])
        if legacy_roots or not paths.settings_file.exists():
            save_settings(paths, settings)
        return app

    def close(self) -> None:
        """Nothing to flush (every write is committed as it happens); drops the handles."""
        if self._library is not None:
            self._library.close()
        self._library = None

    def _store_if_any(self) -> Store | None:
        """The index, for what it knows about a file; a transfer works without one (no
        library folders yet: nothing to open, nothing created)."""
        if self._library is None and not self.roots.all():
            return None
        try:
            return self._store()
        except SoundSeekError as exc:
            log.info("transferring without the index: %s", exc)
            return None

    def _embedder_changed(self, emb: Embedder | None) -> None:
        if self._library is not None:
            self._library.searcher.embedder = emb

    # -- settings -------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, **changes: object) -> Settings:
        """Change and save settings in one place; listeners learn which keys changed. What
        another process saved meanwhile is picked up first, and only the keys that change
        here are written (merged into the file as it is on disk)."""
        self.reload_settings()
        new = replace(self._settings, **changes)
        changed = frozenset(k for k in changes if getattr(self._settings, k) != getattr(new, k))
        if not changed:
            return self._settings
        self._settings = save_changes(self.paths, {k: getattr(new, k) for k in changed})
        self._settings_stamp = settings_stamp(self.paths)
        new = self._settings
        if "caption_prompts" in changed and self._library is not None:
            self._library.searcher.captions = new.caption_prompts
        if changed & LOCATION_KEYS:
            self._bind_place()
        if changed:
            self.events.emit(SettingsChanged(changed))
        return new

    def reload_settings(self) -> frozenset[str]:
        """Pick up settings another process saved (e.g. `soundseek model use`)."""
        stamp = settings_stamp(self.paths)  # before reading: a save meanwhile is seen next time
        if stamp == self._settings_stamp:
            return frozenset()
        new, _ = load_settings(self.paths)
        changed = frozenset(k for k in vars(new) if getattr(new, k) != getattr(self._settings, k))
        self._settings, self._settings_stamp = new, stamp
        if changed & LOCATION_KEYS:  # e.g. `soundseek location set` while the app is open
            self._bind_place()
            self.events.emit(RootsChanged(self.roots.all()))
        if changed:
            self.events.emit(SettingsChanged(changed))
        return changed

    # -- the index, opened lazily -----------------------------------------------------------------
    def library(self) -> Library:
        """The open index (opened, and upgraded if it is older, on first use)."""
        with self._open_lock:
            if self._library is None:
                from soundseek.app.library import open_library

                s = self._settings
                both = self.place.shared and s.search_local_too
                extra = [local_place(self.paths)] if both else []
                mirror = mirror_folder(self.paths, self.place) if s.mirror_shared else None
                emb = self.models.embedder
                lib = open_library(self.place, extra, emb, s.caption_prompts, mirror)
                self._library = lib
                self.events.emit(LibraryOpened(list(lib.notes)))
            return self._library

    def open_index(self) -> list[str]:
        """Open now (a shell's background thread); returns upgrade notes, if any."""
        return self.library().notes

    # -- where the library is ---------------------------------------------------------------
    def location(self) -> LocationInfo:
        return describe_location(self._settings, self.place)

    def set_location(self, uri: str, endpoint: str = "", region: str = "") -> LocationInfo:
        """Point this home at a library location: "local" (its own index folder) or
        s3://bucket/prefix, checked first (reachable, honours conditional writes)."""
        check_location(uri, endpoint, region)
        uri = "" if uri in ("", LOCAL) else uri.rstrip("/")
        self.update_settings(location=uri, s3_endpoint=endpoint if uri else "",
                             s3_region=region if uri else "")  # fmt: skip
        self.events.emit(RootsChanged(self.roots.all()))
        return self.location()

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> LibraryStatus:
        store = self.library().store
        summaries = self.roots.root_summaries()
        return LibraryStatus(
            roots=summaries,
            files=sum(s.files for s in summaries),
            indexed=sum(s.indexed for s in summaries),
            pending=sum(s.pending for s in summaries),
            windows=store.windows.count(),
            ann_index=store.has_ann(),
            model=self.models.model_state(with_device=False),  # resolving "auto" imports torch
            index_model=store.info.model_id,
            index_dim=store.info.dim,
            index_space=store.info.space,
            index_runtimes=store.info.runtimes,
            schema_version=store.info.schema_version,
            store_dir=self.place.uri,
            location=self.location(),
            indexed_by=store.info.indexed_by,
            indexed_at=store.info.indexed_at,
            store_bytes=store.size_bytes(),
            log_file=str(self.paths.log_file),
            errors=self.errors(),
        )

    def errors(self) -> list[FileError]:
        from soundseek.index.tables.filters import ONLY_ERRORS

        recs = self.library().store.records(ONLY_ERRORS)
        return [FileError(r.path, r.error) for r in sorted(recs, key=lambda r: r.path)]

    # -- indexing -------------------------------------------------------------------------------
    def index(
        self, cancel: threading.Event | None = None, embed: bool = True,
        batch_size: int | None = None, workers: int | None = None,
    ) -> Iterator[IndexProgress]:  # fmt: skip
        """One index run as a progress generator; set `cancel` to stop it cleanly (what is done
        is kept). Raises StoreLocked when another process is writing the index."""
        return self._runner.run(cancel, embed, batch_size, workers)

    def cluster_index(
        self, options: ClusterOptions, cancel: threading.Event | None = None
    ) -> Iterator[IndexProgress]:
        """An index run whose embedding runs on a Ray cluster (a local one when no address
        is given). This process scans, reads metadata and holds the writer lock (the lease on
        object storage); it loads the model too, for the vector space it records and the UCS
        captions. Raises ClusterError when the cluster cannot run it, ModelError without a
        model, StoreLocked as `index` does."""
        return self._runner.run_on_cluster(options, cancel)

    # -- search ---------------------------------------------------------------------------------
    @staticmethod
    def ucs_categories() -> list[str]:
        """The UCS category names (for filter menus)."""
        return load_catalog().categories

    def search(
        self, query: str, limit: int = 50, steer: Steer | None = None, loads_model: bool = False,
        all_copies: bool = False,
    ) -> SearchResult:  # fmt: skip
        """Ranked files for a typed query; `steer.good/bad`: relevance feedback. The way is
        planned in search.routing (the query parsed there, once): instant, from the word index
        and window cache, while no index is open and no model loaded; else, or when the
        instant way cannot answer, the full one. `loads_model` (the shell): load the model
        before the full way when it could listen. Copies of one sound are one row (the
        others in `hit.copies`) unless `all_copies`."""
        if all_copies:
            return self._search(query, limit, steer, loads_model)
        return self.copies.collapse(self._search(query, wider(limit), steer, loads_model), limit)

    def _search(
        self, query: str, limit: int, steer: Steer | None, loads_model: bool
    ) -> SearchResult:
        from soundseek.search.routing import Situation, Way, plan_search

        ready = self._library is not None or self.models.embedder is not None
        listens = loads_model and self.sound_searchable()
        plan = plan_search(query, steer, Situation(ready, self.place.shared, listens))
        if plan.instant is not None:
            from soundseek.app import instant

            found = (
                instant.quick_sound_search(self.paths, self._settings, self.place, self.registry,
                                           plan.query, limit)
                if plan.instant is Way.SOUND
                else instant.quick_search(self.place, self.registry, plan.query, limit,
                                          self.models.model_installed())
            )  # fmt: skip
            if found is not None:
                return found
        if plan.load_model:
            with contextlib.suppress(ModelError):  # the result carries the reason as a note
                self.models.load_model()
        return self.library().searcher.search_query(plan.query, limit, steer=plan.steer)

    def sound_searchable(self) -> bool:
        """Whether loading the model would let a search listen: one is installed and the
        index holds vectors (read from small files: nothing heavy is imported)."""
        from soundseek.app.instant import index_has_vectors

        return self.models.model_installed() and index_has_vectors(self.place)

    def similar(
        self, path: str, at: float | None = None, limit: int = 50, filters: str = "",
        steer: Steer | None = None, all_copies: bool = False,
    ) -> SearchResult:  # fmt: skip
        """More like a file: by its stored vectors, or by listening to a file from outside;
        `steer` moves it ("like this, but more distant") and carries feedback. Copies are
        one row unless `all_copies`."""
        from soundseek.search.steer_request import NONE

        if at is not None and not (math.isfinite(at) and at >= 0):
            raise QuerySyntaxError(f"the moment to match must be a number of seconds from the "
                                   f"start of the file, not {at:g}")  # fmt: skip
        wanted = limit if all_copies else wider(limit)
        found = self.library().searcher.similar_file(path, at, wanted, filters, steer or NONE)
        return found if all_copies else self.copies.collapse(found, limit, also_hide=path)

    def similar_region(
        self, path: str, start: float, end: float, limit: int = 50, filters: str = "",
        steer: Steer | None = None,
    ) -> SearchResult:  # fmt: skip
        from soundseek.audio.decode import segment_for_embedding
        from soundseek.search.steer_request import NONE

        audio = segment_for_embedding(path, start, end)
        found = self.library().searcher.similar_audio(audio, wider(limit), filters, steer or NONE)
        return self.copies.collapse(found, limit)

    def sound_search_note(self) -> str | None:
        """Why sound search is off right now, or None when it works."""
        return self.library().searcher.sound_available()


def wider(limit: int) -> int:
    """Hits asked for when copies collapse: rows merge, so a page still fills."""
    return limit + max(10, limit // 2)
