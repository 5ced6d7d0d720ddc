"""One way to run application work off the UI thread: calls and progress generators alike.

Errors travel as exception objects (typed), never as strings, so a view can tell a missing
model from a broken one or a network failure.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from soundseek.errors import SoundSeekError

log = logging.getLogger(__name__)


class Worker(QThread):
    """Runs `job(cancel_event)`; a generator's items arrive as `progress`, its end as `done`."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)  # the exception

    def __init__(self, job: Callable[[threading.Event], Any], parent=None) -> None:
        super().__init__(parent)
        self.job = job
        self.cancel_event = threading.Event()
        self._resume = threading.Event()
        self._resume.set()

    def run(self) -> None:
        try:
            result = self.job(self.cancel_event)
            if inspect.isgenerator(result):
                result = self._drain(result)
            self.done.emit(result)
        except Exception as exc:  # reported to the UI, never a silent thread death
            if not isinstance(exc, SoundSeekError):
                log.exception("background job failed")
            self.failed.emit(exc)

    def _drain(self, gen) -> Any:
        last = None
        for item in gen:
            last = item
            self.progress.emit(item)
            while not self._resume.wait(0.1):
                if self.cancel_event.is_set():
                    break
        return last

    def cancel(self) -> None:
        """Ask the job to stop at its next check; it finishes cleanly (flushes what is done)."""
        self.cancel_event.set()
        self._resume.set()

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()


class Tasks(QObject):
    """Fire-and-forget calls off the UI thread, with results delivered on it; kept alive here
    until they finish (a QThread destroyed while running takes the app down)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._running: list[Worker] = []
        self._closed = False

    def run(
        self, call: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Worker | None:  # fmt: skip
        if self._closed:
            return None
        w = Worker(lambda _cancel: call(), self)
        if on_done is not None:
            w.done.connect(on_done)
        if on_error is not None:
            w.failed.connect(on_error)
        w.finished.connect(lambda: self._running.remove(w) if w in self._running else None)
        self._running.append(w)
        w.start()
        return w

    def wait_idle(self, ms: int = 5000) -> None:
        for w in list(self._running):
            w.wait(ms)

    def shutdown(self, ms: int = 60_000) -> None:
        """Refuse new work, let running work finish (before the owner is destroyed)."""
        self._closed = True
        self.wait_idle(ms)
