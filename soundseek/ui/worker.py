"""One way to run core work off the UI thread: calls and progress generators alike."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal


class Worker(QThread):
    """Runs `job(cancel_event)`; a generator's items arrive as `progress`, its end as `done`."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)

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
            self.failed.emit(f"{type(exc).__name__}: {exc}")

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
