"""What the application tells its shells: typed events on a small synchronous bus.

Listeners run in the thread that emits (often a worker); a GUI re-emits them as queued Qt
signals. A listener that raises is logged and never breaks the emitter.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RootsChanged:
    roots: list  # list[Root]


@dataclass(frozen=True)
class LibraryOpened:
    notes: list[str]  # e.g. "index upgraded from schema 1 to 2 ..."


@dataclass(frozen=True)
class ModelChanged:
    """A model was loaded (`embedder` set) or could not be (`error` set, typed)."""

    embedder: Any = None
    error: Exception | None = None


@dataclass(frozen=True)
class ModelPreparing:
    """A one-time step that makes a model fast on this computer (an ONNX export, a fidelity
    gate) starts: `step` of `steps`; what == "" when they are all done. `text` says it."""

    step: int
    steps: int
    what: str
    text: str


@dataclass(frozen=True)
class IndexStarted:
    pass


@dataclass(frozen=True)
class IndexDone:
    """An index run ended: `last` progress (phase done/cancelled), or the error that ended it."""

    last: Any = None
    error: Exception | None = None


@dataclass(frozen=True)
class SettingsChanged:
    changed: frozenset[str]


Listener = Callable[[object], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._remove(listener)

    def _remove(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def emit(self, event: object) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s", type(event).__name__)
