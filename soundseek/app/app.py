"""The application: one object the desktop app, the CLI and headless services all use.

Opening it is cheap (settings, library folders, a cached summary); the index (LanceDB) and
the model (torch) load on first use or when a shell asks, so a window can appear at once and
open them in the background. Methods are safe to call from worker threads; the index is
written only inside `index()`, which holds the writer lock for the run.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app import roots as root_rules
from soundseek.app.events import (
    EventBus,
    IndexDone,
    IndexStarted,
    LibraryOpened,
    ModelChanged,
    ModelPreparing,
    RootsChanged,
    SettingsChanged,
)
from soundseek.app.folders import usable_folder
from soundseek.app.location import (
    LOCAL,
    LocationInfo,
    check_location,
    local_place,
    mirror_folder,
    place_for,
    who_indexes,
)
from soundseek.app.location import describe as describe_location
from soundseek.app.own_writes import OwnWrites
from soundseek.app.settings import (
    Settings,
    load_settings,
    save_changes,
    save_settings,
    settings_stamp,
)
from soundseek.app.status import (
    FileError,
    LibraryStatus,
    ModelState,
    RootSummary,
    preparing_text,
)
from soundseek.app.summary import Summary, read_summary, write_summary
from soundseek.errors import ModelError, QuerySyntaxError, RootError
from soundseek.files.roots import Root, new_root
from soundseek.index.places.registry import RootRegistry
from soundseek.paths import AppPaths, app_paths

if TYPE_CHECKING:
    import numpy as np

    from soundseek.app.cluster import ClusterOptions
    from soundseek.app.library import Library
    from soundseek.embed.base import Embedder
    from soundseek.ingest.index_run import IndexProgress
    from soundseek.search.hits import Hit, SearchResult
    from soundseek.search.steer_request import Steer
    from soundseek.writing.batch import WriteProgress

log = logging.getLogger(__name__)

# Settings that change which library this home opens, or how it reads it.
LOCATION_KEYS = frozenset({"location", "s3_endpoint", "s3_region", "root_mounts",
                           "mirror_shared", "search_local_too"})  # fmt: skip


class App:
    """SoundSeek for one home (settings, models) and its index."""

    def __init__(self, paths: AppPaths, settings: Settings) -> None:
        self.paths = paths
        self._settings = settings
        self._settings_stamp = settings_stamp(paths)
        self.events = EventBus()
        self._library: Library | None = None
        self._bind_place()
        self._embedder: Embedder | None = None
        self.model_error: ModelError | None = None
        self._open_lock = threading.Lock()
        self.own_writes = OwnWrites()  # the watcher ignores these files' events
        self.last_run: tuple[str, float] = ("", 0.0)  # who indexed, when: as last counted

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
            elif path not in {r.path for r in app.roots()}:  # an unplugged drive keeps its place
                app.registry.update(lambda rs, p=path: [*rs, new_root(p)])
        if legacy_roots or not paths.settings_file.exists():
            save_settings(paths, settings)
        return app

    def close(self) -> None:
        """Nothing to flush (every write is committed as it happens); drops the handles."""
        if self._library is not None:
            self._library.close()
        self._library = None

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
            self.events.emit(RootsChanged(self.roots()))
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
                lib = open_library(self.place, extra, self._embedder, s.caption_prompts, mirror)
                self._library = lib
                self.events.emit(LibraryOpened(list(lib.notes)))
            return self._library

    def open_index(self) -> list[str]:
        """Open now (a shell's background thread); returns upgrade notes, if any."""
        return self.library().notes

    # -- library folders --------------------------------------------------------------------------
    def roots(self) -> list[Root]:
        return self.registry.load()

    def add_root(self, path: str) -> root_rules.RootAdded:
        result = root_rules.add_root(self.registry, path)
        if result.added:
            self.events.emit(RootsChanged(self.roots()))
        return result

    def remove_root(self, ref: str) -> Root:
        gone = root_rules.remove_root(self.registry, ref)
        self.events.emit(RootsChanged(self.roots()))
        return gone

    def relocate_root(self, ref: str, new_path: str, force: bool = False) -> root_rules.Relocation:
        """Re-point a library folder that moved; every vector, envelope and row is kept. In a
        shared library only this machine's mount point changes (`map_root`)."""
        if self.place.shared:
            return self.map_root(ref, new_path, force)
        root = root_rules.find_root(self.roots(), ref)
        relpaths = self.library().store.relpaths(root.id)
        move = root_rules.check_relocation(self.roots(), ref, new_path, relpaths, force)
        root_rules.apply_relocation(self.registry, move)
        log.info("relocated %s -> %s (%d/%d files found)", move.old_path, move.root.path,
                 move.found, move.checked)  # fmt: skip
        self.events.emit(RootsChanged(self.roots()))
        return move

    def map_root(self, ref: str, local_path: str, force: bool = False) -> root_rules.Relocation:
        """Where this machine has a (shared) library folder: `/Volumes/SFX` here, `/mnt/sfx`
        on the render node. Checked like a relocation; stored in this home's settings only."""
        roots = self.roots()
        root = root_rules.find_root(roots + self.registry.stored(), ref)
        relpaths = self.library().store.relpaths(root.id)
        move = root_rules.check_relocation(roots, root.id, local_path, relpaths, force)
        self.update_settings(root_mounts={**self._settings.root_mounts, root.id: move.root.path})
        log.info("mapped root %s to %s here (%d/%d files found)", root.id, move.root.path,
                 move.found, move.checked)  # fmt: skip
        self.events.emit(RootsChanged(self.roots()))
        return move

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
        self.events.emit(RootsChanged(self.roots()))
        return self.location()

    # -- status -----------------------------------------------------------------------------------
    def cached_summary(self) -> Summary:
        return read_summary(self.paths)

    def root_summaries(self) -> list[RootSummary]:
        """Live counts per library folder (refreshes the cached summary)."""
        store = self.library().store
        counts = {k: asdict(v) for k, v in store.counts_by_root().items()}
        self.last_run = (store.info.indexed_by, store.info.indexed_at)
        self._save_summary(counts)
        return [_root_summary(r, counts.get(r.id, {})) for r in self.roots()]

    def cached_root_summaries(self) -> list[RootSummary]:
        """From the cached summary: instant, possibly a little stale."""
        cached = self.cached_summary().roots
        return [_root_summary(r, cached.get(r.id, {})) for r in self.roots()]

    def _save_summary(self, counts: dict[str, dict[str, int]]) -> None:
        store = self.library().store
        summary = Summary(
            roots=counts,
            indexed=sum(c["indexed"] for c in counts.values()),
            errors=sum(c["errors"] for c in counts.values()),
            windows=store.windows.count(),
            index_model=store.info.model_id,
        )
        try:
            write_summary(self.paths, summary)
        except OSError:
            log.warning("could not write %s", self.paths.summary_file, exc_info=True)

    def errors(self) -> list[FileError]:
        from soundseek.index.tables.filters import ONLY_ERRORS

        recs = self.library().store.records(ONLY_ERRORS)
        return [FileError(r.path, r.error) for r in sorted(recs, key=lambda r: r.path)]

    def model_installed(self) -> bool:
        from soundseek.embed import models

        return models.is_installed(models.model_dir(self.paths, self._settings.model))

    def model_state(self, with_device: bool = True) -> ModelState:
        """The configured model; `with_device` resolves "auto" (which imports torch)."""
        from soundseek.embed import models

        folder = models.model_dir(self.paths, self._settings.model)
        emb = self.embedder
        device = emb.device if emb is not None else self._settings.device
        if emb is None and with_device:
            device = _device_name(self._settings.device)
        return ModelState(
            model=self._settings.model,
            folder=str(folder),
            installed=models.is_installed(folder),
            loaded=emb is not None,
            device=device,
            error=str(self.model_error) if self.model_error else "",
            runtime=emb.pipeline.runtime if getattr(emb, "pipeline", None) else "",
            hint=models.missing_message(self._settings.model, folder),
        )

    def known_models(self) -> list:
        """The LAION-CLAP models users can pick (id, summary, size, CPU speed)."""
        from soundseek.embed.models import KNOWN_MODELS

        return list(KNOWN_MODELS.values())

    def status(self) -> LibraryStatus:
        store = self.library().store
        summaries = self.root_summaries()
        return LibraryStatus(
            roots=summaries,
            files=sum(s.files for s in summaries),
            indexed=sum(s.indexed for s in summaries),
            pending=sum(s.pending for s in summaries),
            windows=store.windows.count(),
            ann_index=store.has_ann(),
            model=self.model_state(with_device=False),  # resolving "auto" imports torch
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

    # -- models ---------------------------------------------------------------------------------
    def load_model(self) -> Embedder:
        """Load the configured model from disk; raises (and announces) a typed ModelError."""
        from soundseek.embed import models

        s = self._settings
        try:
            emb = models.load_embedder(self.paths, s.model, s.device, s.torch_threads,
                                       s.audio_backend, s.precision, self._preparing)  # fmt: skip
        except ModelError as exc:
            self.embedder, self.model_error = None, exc
            self.events.emit(ModelChanged(None, exc))
            raise
        self.embedder, self.model_error = emb, None
        self.events.emit(ModelChanged(emb, None))
        return emb

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model (None: metadata only). Set by `load_model`; services and tests
        may set any object with the Embedder protocol."""
        return self._embedder

    @embedder.setter
    def embedder(self, emb: Embedder | None) -> None:
        self._embedder = emb
        if self._library is not None:
            self._library.searcher.embedder = emb

    def download_model(
        self, model: str | None = None, progress: Callable[[int, int], None] | None = None
    ) -> Path:
        from soundseek.embed import models

        return models.download_model(self.paths, model or self._settings.model, progress,
                                     self._preparing)  # fmt: skip

    def _preparing(self, step) -> None:
        """A one-time model step (export, gate) starts: shells show it as a named stage."""
        text = preparing_text(step.step, step.steps, step.what)
        self.events.emit(ModelPreparing(step.step, step.steps, step.what, text))

    def import_model(self, source: str, name: str | None = None) -> Path:
        """Copy (or convert) a model into the models folder and make it the current one."""
        from soundseek.embed import importing

        folder = importing.import_model(self.paths, source, name, self._preparing)
        self.update_settings(model=folder.name)
        return folder

    def use_model(self, model: str) -> Path:
        from soundseek.embed import models

        folder = models.require_model(self.paths, model)
        self.update_settings(model=model)
        return folder

    def installed_models(self) -> list[str]:
        from soundseek.embed import models

        return [p.name for p in models.installed_models(self.paths)]

    # -- the user's tags -----------------------------------------------------------------------
    def tag(self, tag: str, paths: list[str], on: bool = True, reject: bool = False):
        """Tag (on=False: untag) files by path, or (reject) record that the tag does not fit
        them; raises StoreLocked while another process writes the index."""
        from soundseek.app.tagging import set_tag

        kind = "not" if reject else "tag"
        return set_tag(self.place, self.library().store, tag, paths, on, kind)

    def suggest_tag(self, tag: str, limit: int = 50):
        """Files the tag probably fits, learned from the files that carry it."""
        from soundseek.app.tagging import suggest_tag

        return suggest_tag(self.library().store, tag, limit)

    def tags_of(self, paths: list[str]) -> dict[str, list[str]]:
        from soundseek.app.tagging import tags_of

        return tags_of(self.library().store, paths)

    def category_suggestions(self, paths: list[str] | None = None):
        """Top-3 zero-shot UCS categories of indexed files (computed at the end of indexing)."""
        from soundseek.app.categories import suggestions

        return suggestions(self.library().store, paths)

    def accept_categories(self, paths: list[str] | None = None, min_confidence: float = 0.0) -> int:
        """Accept the top UCS suggestion of files (all indexed files when no paths) whose
        confidence reaches `min_confidence`; raises StoreLocked while the index is written."""
        from soundseek.app.categories import accept

        return accept(self.place, self.library().store, paths, min_confidence)

    def tag_counts(self) -> dict[str, int]:
        return self.library().store.annotations.tag_counts()

    # -- review: suggestions accepted, rejected or replaced; the review lists ----------------
    def reject_categories(self, paths: list[str]) -> int:
        """Reject each file's top UCS suggestion for good (the next one moves up)."""
        from soundseek.app.categories import reject

        return reject(self.place, self.library().store, paths)

    def set_category(self, paths: list[str], catid: str) -> int:
        """Accept a UCS CatID the user picked for these files, whatever was suggested."""
        from soundseek.app.categories import accept_as

        return accept_as(self.place, self.library().store, paths, catid)

    @staticmethod
    def ucs_subcategories():
        """Every UCS CatID with its name ("DOORS-WOOD"), for a category picker."""
        from soundseek.app.categories import ucs_choices

        return ucs_choices()

    def learned_tags(self) -> dict:
        """Content hash -> learned tags that probably fit (slow on a big library: a worker's)."""
        from soundseek.app.tagging import learned_tags

        return learned_tags(self.library().store)

    def file_notes(self, hits: list[Hit], learned: dict | None = None) -> dict:
        """Content hash -> category, open suggestion, tags and learned guesses of these hits."""
        from soundseek.app.review import notes_for

        return notes_for(self.library().store, hits, learned)

    def uncategorised(self) -> SearchResult:
        from soundseek.app.review import uncategorised

        return uncategorised(self.library().store)

    def to_review(self, learned: dict | None = None) -> SearchResult:
        """Files with a UCS suggestion or a learned tag nobody accepted or rejected yet."""
        from soundseek.app.review import to_review

        return to_review(self.library().store, learned)

    # -- writing metadata into the files ------------------------------------------------------
    @property
    def journal_dir(self) -> Path:
        """The undo journal's folder, made if missing (a file or a permission in its way is a
        one-line SoundSeekError, never an OSError from the middle of a write)."""
        return usable_folder(self.paths.data_dir / "journal", "the undo journal")

    def write_metadata(
        self, paths: list[str] | None = None, query: str | None = None, rename: bool = False,
        dry_run: bool = False, cancel: threading.Event | None = None, limit: int = 10_000,
    ) -> Iterator[WriteProgress]:  # fmt: skip
        """Write accepted categories and tags into the files (all annotated files when no
        paths or query; a query's strong matches, every file for a filter such as
        `tag:keeper`), one journaled batch; `dry_run` shows what would change. Raises
        WritesBusy while another process writes metadata."""
        from soundseek.app import writing

        store = self.library().store
        if not dry_run:
            self._learn_renames(store)
        if query:  # what the query really matches: its strong hits, never the weaker ones
            hits = self.search(query, limit).hits
            sel = writing.Selection(records=[h.file for h in hits if h.strong])
        else:
            sel = writing.Selection(paths=paths)
        records, missing = writing.chosen_records(store, sel)
        s = self._settings
        naming = writing.Naming(s.ucs_creator_id, s.ucs_source_id)
        plans = writing.plan_writes(store, records, naming, rename, self.journal_dir)
        yield from writing.refusals(missing, plans)
        if not dry_run:
            writing.rekey(self.place, writing.old_fingerprints(records))
        done = yield from writing.tracked(writing.write(self.journal_dir, writing.planned(plans),
                                                        dry_run, cancel))  # fmt: skip
        if not dry_run:
            self._after_write(done)

    def _learn_renames(self, store) -> None:
        """Renames of a killed batch the index never learned: their rows move (with their
        vectors) to the new names before anything is chosen or planned."""
        from soundseek.app.renames import unlearned_renames

        if self.journal_dir.is_dir():
            moved = unlearned_renames(store, self.journal_dir)
            if moved:
                self._after_write(moved)

    def _after_write(self, written: list[tuple[str, str]]) -> None:
        """(path before, path now) of each written file: refresh the index, mute the watcher."""
        from soundseek.app.writing import refresh_after

        now = [new for _, new in written]
        gone = [old for old, new in written if old != new]
        refresh_after(self.place, now, gone)
        for path in now + gone:
            self.own_writes.add(path)

    def last_write(self) -> tuple[str, int]:
        """The batch `undo_writes` would undo: (its id, how many files), ("", 0) if none;
        so a shell can say how many files an undo puts back before it asks."""
        from soundseek.app.writing import last_batch

        batch = last_batch(self.journal_dir)
        return (batch.id, len(batch.entries)) if batch is not None else ("", 0)

    def undo_writes(self):
        """Undo the last write batch byte for byte: (its id, each file's outcome)."""
        from soundseek.app.writing import undo

        batch_id, outcomes = undo(self.journal_dir)
        restored = [(u.was or u.path, u.path) for u in outcomes if u.restored]
        self._after_write(restored)
        return batch_id, outcomes

    # -- indexing -------------------------------------------------------------------------------
    def index(
        self, cancel: threading.Event | None = None, embed: bool = True,
        batch_size: int | None = None, workers: int | None = None,
    ) -> Iterator[IndexProgress]:  # fmt: skip
        """One index run as a progress generator; set `cancel` to stop it cleanly (what is done
        is kept). Raises StoreLocked when another process is writing the index."""
        from soundseek.ingest.decoders import default_workers

        workers = workers or self._settings.index_workers or default_workers()
        return self._run_index(cancel, embed, batch_size, workers)

    def _run_index(self, cancel, embed, batch_size, workers, stage=None, who=None):
        from soundseek.index.store import Store
        from soundseek.ingest.index_run import IndexOptions
        from soundseek.ingest.pipeline import run_index

        roots = self.roots()
        if not roots:
            raise RootError("no library folders yet: add one first (`soundseek add PATH`)")
        s = self._settings
        opts = IndexOptions(roots, list(s.exclusions), batch_size or s.batch_size, cancel, workers)
        extra = {"embed": stage} if stage is not None else {}
        last, error = None, None
        self.events.emit(IndexStarted())
        try:
            if embed:
                yield from self._prepare_text()
            with Store(self.place, writable=True) as store:
                for p in run_index(store, opts, self.embedder if embed else None, **extra):
                    last = p
                    yield p
                store.record_run(who() if who else who_indexes())
        except Exception as exc:
            error = exc
            raise
        finally:  # also when the caller stops iterating early
            if error is None:
                self._after_index()
            self.events.emit(IndexDone(last, error))

    def _prepare_null(self) -> None:
        """The null texts' vectors (search.confidence), made once per model by the run that
        embedded with it, so that no search waits for them."""
        if self._embedder is None:
            return
        from soundseek.search.searcher import null_text_vectors

        try:
            null_text_vectors(self._embedder, self.place.cache_dir, self._settings.caption_prompts)
        except Exception:  # searches make them when they first need them
            log.warning("could not prepare the confidence null's text vectors", exc_info=True)

    def cluster_index(
        self, options: ClusterOptions, cancel: threading.Event | None = None
    ) -> Iterator[IndexProgress]:
        """An index run whose embedding runs on a Ray cluster (a local one when no address
        is given). This process scans, reads metadata and holds the writer lock (the lease on
        object storage); it loads the model too, for the vector space it records and the UCS
        captions. Raises ClusterError when the cluster cannot run it, ModelError without a
        model, StoreLocked as `index` does."""
        from soundseek.app.cluster import ClusterJob

        if self.embedder is None:
            self.load_model()
        job = ClusterJob(options, self._settings, self.paths)
        yield from self._run_index(cancel, True, None, 1, job.stage(), lambda: job.who)

    def _prepare_text(self) -> Iterator[IndexProgress]:
        """A new model's one-time text export and gate, as a named stage before the first
        file (the shells' torch-free text encoder; made once per model)."""
        from soundseek.ingest.index_run import IndexProgress

        emb = self._embedder
        pending = getattr(emb, "text_export_pending", None)
        if pending is None or not pending():
            return
        yield IndexProgress("prepare", 1, 1, message=preparing_text(1, 1, "text export"))
        try:
            emb.export_text()
        except Exception:  # search then encodes text with torch; the run goes on
            log.warning("no ONNX text encoder for instant shell search", exc_info=True)
        yield IndexProgress("prepare", 1, 1, message=preparing_text(1, 1, ""))

    def _after_index(self) -> None:
        try:
            self.root_summaries()
        except Exception:  # the run itself succeeded; a stale summary is harmless
            log.warning("could not refresh the library summary", exc_info=True)
        self._prepare_null()
        export = getattr(self._embedder, "export_text", None)
        if export is not None:
            try:  # the shell's torch-free text encoder, made once per model
                export()
            except Exception:
                log.warning("no ONNX text encoder for instant shell search", exc_info=True)

    # -- search and media -----------------------------------------------------------------------
    @staticmethod
    def is_audio_file(path: str) -> bool:
        """Whether SoundSeek would index this file (by its extension)."""
        from soundseek.files.scanner import is_audio

        return is_audio(path)

    @staticmethod
    def ucs_categories() -> list[str]:
        """The UCS category names (for filter menus)."""
        from soundseek.metadata.ucs import load_catalog

        return load_catalog().categories

    def search(
        self, query: str, limit: int = 50, steer: Steer | None = None, loads_model: bool = False
    ) -> SearchResult:
        """Ranked files for a typed query; `steer.good/bad`: relevance feedback. The way is
        planned in search.routing (the query parsed there, once): instant, from the word index
        and window cache, while no index is open and no model loaded; else, or when the
        instant way cannot answer, the full one. `loads_model` (the shell): load the model
        before the full way when it could listen."""
        from soundseek.search.routing import Situation, Way, plan_search

        ready = self._library is not None or self._embedder is not None
        listens = loads_model and self.sound_searchable()
        plan = plan_search(query, steer, Situation(ready, self.place.shared, listens))
        if plan.instant is not None:
            from soundseek.app import quick

            found = (
                quick.quick_sound_search(self.paths, self._settings, self.place, self.registry,
                                         plan.query, limit)
                if plan.instant is Way.SOUND
                else quick.quick_search(self.place, self.registry, plan.query, limit,
                                        self.model_installed())
            )  # fmt: skip
            if found is not None:
                return found
        if plan.load_model:
            with contextlib.suppress(ModelError):  # the result carries the reason as a note
                self.load_model()
        return self.library().searcher.search_query(plan.query, limit, steer=plan.steer)

    def sound_searchable(self) -> bool:
        """Whether loading the model would let a search listen: one is installed and the
        index holds vectors (read from small files: nothing heavy is imported)."""
        from soundseek.app.quick import index_has_vectors

        return self.model_installed() and index_has_vectors(self.place)

    def similar(
        self, path: str, at: float | None = None, limit: int = 50, filters: str = "",
        steer: Steer | None = None,
    ) -> SearchResult:  # fmt: skip
        """More like a file: by its stored vectors, or by listening to a file from outside;
        `steer` moves it ("like this, but more distant") and carries feedback."""
        from soundseek.search.steer_request import NONE

        if at is not None and not (math.isfinite(at) and at >= 0):
            raise QuerySyntaxError(f"the moment to match must be a number of seconds from the "
                                   f"start of the file, not {at:g}")  # fmt: skip
        return self.library().searcher.similar_file(path, at, limit, filters, steer or NONE)

    def similar_region(
        self, path: str, start: float, end: float, limit: int = 50, filters: str = "",
        steer: Steer | None = None,
    ) -> SearchResult:  # fmt: skip
        from soundseek.audio.decode import segment_for_embedding
        from soundseek.search.steer_request import NONE

        audio = segment_for_embedding(path, start, end)
        return self.library().searcher.similar_audio(audio, limit, filters, steer or NONE)

    def sound_search_note(self) -> str | None:
        """Why sound search is off right now, or None when it works."""
        return self.library().searcher.sound_available()

    def envelope(self, hit: Hit) -> np.ndarray:
        from soundseek.app import media

        stored = self.library().store.envelopes.of(hit.file.content_hash)
        return media.envelope(stored, hit.path)

    def detail_envelope(self, path: str, start: float, end: float) -> np.ndarray:
        from soundseek.app import media

        return media.detail(path, start, end)

    def drag_file(self, path: str, region: tuple[float, float] | None = None) -> str:
        from soundseek.app import media

        convert = self._settings.drag_render_unsupported
        return media.drag_file(path, region, self.paths.render_dir, convert)

    def export(self, path: str, folder: str, region: tuple[float, float] | None = None) -> str:
        from soundseek.app import media

        return media.export(path, region, folder, self.paths.render_dir)

    def clean_renders(self) -> int:
        from soundseek.audio.render import clean_renders

        return clean_renders(self.paths.render_dir)


def _root_summary(root: Root, counts: dict[str, int]) -> RootSummary:
    known = ("files", "indexed", "pending", "errors")
    return RootSummary(root, root.online, **{k: counts[k] for k in known if k in counts})


def _device_name(preference: str) -> str:
    from soundseek.embed.clap import resolve_device

    return resolve_device(preference)
