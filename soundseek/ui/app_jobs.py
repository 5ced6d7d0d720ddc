"""Qt adapters over application jobs: the library keeper (watch + index), searches, models."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from soundseek.app import App
from soundseek.app.watching import KeeperEvent, LibraryKeeper
from soundseek.ui.threads import Worker


class KeeperController(QObject):
    """Runs the same loop as `soundseek watch` in a worker: watching, debounced indexing,
    rescans. A rescan request while a run is going queues exactly one more run."""

    progress = Signal(object)  # IndexProgress
    run_started = Signal()
    run_finished = Signal(object)  # last IndexProgress (phase done / cancelled) or None
    message = Signal(str)
    failed = Signal(object)  # exception that ended a run (busy: StoreLocked)

    def __init__(self, app: App, parent=None) -> None:
        super().__init__(parent)
        self.keeper = LibraryKeeper(app, index_shared=False)
        self.worker: Worker | None = None

    def start(self) -> None:
        if self.worker is None:
            self.worker = Worker(lambda _cancel: self.keeper.run(), self)
            self.worker.progress.connect(self._event)
            self.worker.start()

    @property
    def started(self) -> bool:
        return self.worker is not None

    @property
    def running(self) -> bool:
        """An index run is in progress."""
        return self.keeper.running

    @property
    def watch_mode(self) -> str:
        return self.keeper.watcher.mode

    def request(self) -> None:
        self.keeper.request()

    def cancel(self) -> None:
        self.keeper.cancel_run()
        if self.worker is not None:
            self.worker.resume()

    def toggle_pause(self) -> bool:
        """Returns True when now paused."""
        if self.worker is None:
            return False
        if self.worker.paused:
            self.worker.resume()
        else:
            self.worker.pause()
        return self.worker.paused

    def shutdown(self) -> None:
        """Stop watching; the current run is cancelled cleanly (its finished work is kept)."""
        self.keeper.stop()
        if self.worker is not None:
            self.worker.resume()
            self.worker.wait(60_000)

    def _event(self, e: KeeperEvent) -> None:
        if e.kind == "progress":
            self.progress.emit(e.progress)
        elif e.kind == "started":
            self.run_started.emit()
        elif e.kind == "finished":
            self.run_finished.emit(e.progress)
        elif e.kind in ("busy", "failed"):
            self.failed.emit(e.error)
            self.run_finished.emit(None)
        if e.message:
            self.message.emit(e.message)


class SearchRunner(QObject):
    """Searches off the UI thread, one at a time; only the newest request's answer is shown."""

    results = Signal(object, str)
    failed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.worker: Worker | None = None
        self._next: tuple[Callable[[], object], str] | None = None
        self._closed = False

    def submit(self, call: Callable[[], object], label: str) -> None:
        if self._closed:
            return
        self._next = (call, label)
        if self.worker is None:
            self._start_next()

    def _start_next(self) -> None:
        if self._next is None or self._closed:
            return
        call, label = self._next
        self._next = None
        self.worker = Worker(lambda _c: call(), self)
        self.worker.done.connect(lambda r, label=label: self._done(r, label))
        self.worker.failed.connect(self._failed)
        self.worker.start()

    def _done(self, result: object, label: str) -> None:
        self._finish()
        if self._next is None:
            self.results.emit(result, label)
        self._start_next()

    def _failed(self, exc: Exception) -> None:
        self._finish()
        self.failed.emit(exc)
        self._start_next()

    def _finish(self) -> None:
        if self.worker is not None:
            self.worker.wait(2000)
            self.worker = None

    def idle(self) -> bool:
        return self.worker is None and self._next is None

    def shutdown(self, ms: int = 60_000) -> None:
        """No searches after this; the one running finishes (a QThread must never be
        destroyed while it runs: Qt aborts the process)."""
        self._closed = True
        self._next = None
        if self.worker is not None:
            self.worker.wait(ms)


class ModelLoader(QObject):
    """Loads, downloads or imports the CLAP model in the background; the window never waits.
    Results arrive through the application's ModelChanged event (AppSignals)."""

    download_progress = Signal(int, int)
    failed = Signal(object)  # errors of download/import (typed), before any load

    def __init__(self, app: App, parent=None) -> None:
        super().__init__(parent)
        self.app = app
        self.worker: Worker | None = None
        self._pending = None
        self._closed = False

    def load(self) -> None:
        self._run(lambda _c: self.app.load_model())

    def download(self) -> None:
        def job(_c):
            self.app.download_model(progress=lambda n, t: self.download_progress.emit(n, t))
            return self.app.load_model()

        self._run(job)

    def import_from(self, source: str) -> None:
        def job(_c):
            self.app.import_model(source)
            return self.app.load_model()

        self._run(job)

    def _run(self, job) -> None:
        """One job at a time; the latest request waits for the current one (never the UI)."""
        if self._closed:
            return
        if self.worker is not None and self.worker.isRunning():
            self._pending = job
            return
        self.worker = Worker(job, self)
        self.worker.failed.connect(self.failed)
        self.worker.finished.connect(self._next)
        self.worker.start()

    def _next(self) -> None:
        job, self._pending = self._pending, None
        if job is not None:
            self._run(job)

    def shutdown(self, ms: int = 60_000) -> None:
        self._closed = True
        self._pending = None
        if self.worker is not None:
            self.worker.wait(ms)
