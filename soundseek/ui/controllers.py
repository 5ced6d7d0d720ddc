"""Qt-side coordination of core jobs: indexing (the one writer), searches, model loading."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from soundseek.core import models
from soundseek.core.indexer import IndexOptions, IndexProgress, run_index
from soundseek.core.paths import AppPaths
from soundseek.core.search import Searcher, SearchResult
from soundseek.core.settings import Settings
from soundseek.core.store import Store
from soundseek.ui.worker import Worker


class IndexController(QObject):
    """Runs the indexer in a worker; a request while it runs queues exactly one more run."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, paths: AppPaths, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self.embedder = None
        self.worker: Worker | None = None
        self._again = False
        self._shut = False

    def shutdown(self) -> None:
        """No new runs after this; the current one is cancelled and awaited."""
        self._shut = True
        self.cancel()
        if self.worker is not None:
            self.worker.wait(60_000)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def request(self) -> None:
        if self._shut:
            return
        if self.worker is not None:
            self._again = True
            return
        if not self.settings.library_roots:
            return
        opts_roots, excl, emb = (
            list(self.settings.library_roots),
            list(self.settings.exclusions),
            self.embedder,
        )

        def job(cancel):
            with Store(self.paths.store_dir, writable=True) as store:
                yield from run_index(store, IndexOptions(opts_roots, excl, 8, cancel), emb)

        self.worker = Worker(job, self)
        self.worker.progress.connect(self.progress)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.start()

    def _done(self, last: IndexProgress | None) -> None:
        self._cleanup()
        self.finished.emit(last)
        if self._again:
            self._again = False
            self.request()

    def _failed(self, message: str) -> None:
        self._cleanup()
        self.failed.emit(message)

    def _cleanup(self) -> None:
        if self.worker is not None:
            self.worker.wait(2000)
            self.worker = None

    def cancel(self) -> None:
        self._again = False
        if self.worker:
            self.worker.cancel()

    def toggle_pause(self) -> bool:
        """Returns True when now paused."""
        if not self.worker:
            return False
        if self.worker.paused:
            self.worker.resume()
        else:
            self.worker.pause()
        return self.worker.paused


class SearchRunner(QObject):
    """Searches off the UI thread, one at a time; only the newest request's answer is shown."""

    results = Signal(object, str)
    failed = Signal(str)

    def __init__(self, searcher: Searcher, parent=None) -> None:
        super().__init__(parent)
        self.searcher = searcher
        self.worker: Worker | None = None
        self._next: tuple[Callable[[], SearchResult], str] | None = None

    def search(self, query: str, limit: int = 200) -> None:
        self.submit(lambda: self.searcher.search(query, limit), query)

    def submit(self, call: Callable[[], SearchResult], label: str) -> None:
        self._next = (call, label)
        if self.worker is None:
            self._start_next()

    def _start_next(self) -> None:
        if self._next is None:
            return
        call, label = self._next
        self._next = None
        self.worker = Worker(lambda _c: call(), self)
        self.worker.done.connect(lambda r, label=label: self._done(r, label))
        self.worker.failed.connect(self._failed)
        self.worker.start()

    def _done(self, result: SearchResult, label: str) -> None:
        self._finish()
        if self._next is None:
            self.results.emit(result, label)
        self._start_next()

    def _failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message.split(": ", 1)[-1])
        self._start_next()

    def _finish(self) -> None:
        if self.worker is not None:
            self.worker.wait(2000)
            self.worker = None

    def idle(self) -> bool:
        return self.worker is None and self._next is None


class ModelLoader(QObject):
    """Loads (or downloads) the CLAP model in the background; the window never waits for it."""

    loaded = Signal(object)
    missing = Signal(str)
    download_progress = Signal(int, int)

    def __init__(self, paths: AppPaths, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self.worker: Worker | None = None

    def load(self) -> None:
        s = self.settings
        self._run(lambda _c: models.load_embedder(self.paths, s.model, s.device, s.torch_threads))

    def download(self) -> None:
        s = self.settings

        def job(_c):
            models.download_model(
                self.paths, s.model, lambda n, t: self.download_progress.emit(n, t)
            )
            return models.load_embedder(self.paths, s.model, s.device, s.torch_threads)

        self._run(job)

    def import_from(self, source: str) -> None:
        def job(_c):
            folder = models.import_model(self.paths, source)
            self.settings.model = folder.name
            return models.load_embedder(self.paths, folder.name, self.settings.device)

        self._run(job)

    def _run(self, job) -> None:
        self.worker = Worker(job, self)
        self.worker.done.connect(self.loaded)
        self.worker.failed.connect(lambda m: self.missing.emit(m.split(": ", 1)[-1]))
        self.worker.start()
