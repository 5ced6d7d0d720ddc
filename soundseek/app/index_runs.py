"""Index runs as the application starts them: on local worker processes (`run`) or with the
embedding on a Ray cluster (`run_on_cluster`). Either is a progress generator that holds the
writer lock for the run, announces its start and end on the event bus and, when it ends
well, refreshes the folder counts and prepares what searches need from the model.

The indexer, the store and the searcher are imported when a run starts: they bring LanceDB
and numpy, which opening the application must not import (the Ray stage, in `cluster`,
imports Ray only when a cluster run starts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from soundseek.app.cluster import ClusterJob, ClusterOptions
from soundseek.app.events import EventBus, IndexDone, IndexStarted
from soundseek.app.location import who_indexes
from soundseek.app.model_service import Models
from soundseek.app.root_service import Roots
from soundseek.app.settings import Settings
from soundseek.app.status import preparing_text
from soundseek.errors import RootError
from soundseek.index.places.place import Place
from soundseek.ingest.index_run import IndexOptions, IndexProgress
from soundseek.paths import AppPaths

if TYPE_CHECKING:
    from soundseek.ingest.runner import EmbedRunner

log = logging.getLogger(__name__)


class IndexRunner:
    """Starts index runs over the library folders with the configured model."""

    def __init__(
        self,
        paths: AppPaths,
        settings: Callable[[], Settings],
        place: Callable[[], Place],
        roots: Roots,
        models: Models,
        events: EventBus,
    ) -> None:
        self._paths = paths
        self._settings = settings
        self._place = place  # changes with the library's location
        self._roots = roots
        self._models = models
        self._events = events

    def run(
        self, cancel: threading.Event | None, embed: bool, batch_size: int | None,
        workers: int | None,
    ) -> Iterator[IndexProgress]:  # fmt: skip
        """One run on this machine's worker processes (see `App.index`)."""
        from soundseek.ingest.decoders import default_workers  # numpy, soundfile

        workers = workers or self._settings().index_workers or default_workers()
        return self._run(cancel, embed, batch_size, workers)

    def run_on_cluster(
        self, options: ClusterOptions, cancel: threading.Event | None
    ) -> Iterator[IndexProgress]:
        """One run whose embedding runs on a Ray cluster (see `App.cluster_index`)."""
        if self._models.embedder is None:
            self._models.load_model()
        job = ClusterJob(options, self._settings(), self._paths)
        yield from self._run(cancel, True, None, 1, job.stage(), lambda: job.who)

    def _run(
        self, cancel: threading.Event | None, embed: bool, batch_size: int | None, workers: int,
        stage: EmbedRunner | None = None, who: Callable[[], str] | None = None,
    ) -> Iterator[IndexProgress]:  # fmt: skip
        from soundseek.index.store import Store  # LanceDB
        from soundseek.ingest.pipeline import run_index

        roots = self._roots.all()
        if not roots:
            raise RootError("no library folders yet: add one first (`soundseek add PATH`)")
        s = self._settings()
        opts = IndexOptions(roots, list(s.exclusions), batch_size or s.batch_size, cancel, workers)
        last, error = None, None
        self._events.emit(IndexStarted())
        try:
            if embed:
                yield from self._prepare_text()
            with Store(self._place(), writable=True) as store:
                emb = self._models.embedder if embed else None
                for p in run_index(store, opts, emb, stage):
                    last = p
                    yield p
                store.record_run(who() if who else who_indexes())
        except Exception as exc:
            error = exc
            raise
        finally:  # also when the caller stops iterating early
            if error is None:
                self._after_index()
            self._events.emit(IndexDone(last, error))

    def _prepare_text(self) -> Iterator[IndexProgress]:
        """A new model's one-time text export and gate, as a named stage before the first
        file (the shells' torch-free text encoder; made once per model)."""
        emb = self._models.embedder
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
            self._roots.root_summaries()
        except Exception:  # the run itself succeeded; a stale summary is harmless
            log.warning("could not refresh the library summary", exc_info=True)
        self._prepare_null()
        export = getattr(self._models.embedder, "export_text", None)
        if export is not None:
            try:  # the shell's torch-free text encoder, made once per model
                export()
            except Exception:
                log.warning("no ONNX text encoder for instant shell search", exc_info=True)

    def _prepare_null(self) -> None:
        """The null texts' vectors (search.confidence), made once per model by the run that
        embedded with it, so that no search waits for them."""
        emb = self._models.embedder
        if emb is None:
            return
        from soundseek.search.searcher import null_text_vectors  # LanceDB, numpy

        try:
            null_text_vectors(emb, self._place().cache_dir)
        except Exception:  # searches make them when they first need them
            log.warning("could not prepare the confidence null's text vectors", exc_info=True)
