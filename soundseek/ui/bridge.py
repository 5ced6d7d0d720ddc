"""The application's events as Qt signals, delivered on the UI thread whatever thread emits."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from soundseek.app import App
from soundseek.app.events import (
    IndexDone,
    LibraryOpened,
    ModelChanged,
    ModelPreparing,
    RootsChanged,
    SettingsChanged,
)


class AppSignals(QObject):
    roots_changed = Signal()
    library_opened = Signal(list)  # upgrade notes
    model_changed = Signal(object, object)  # embedder or None, typed error or None
    index_done = Signal(object, object)  # last progress, error
    settings_changed = Signal(object)  # frozenset of changed keys
    model_preparing = Signal(object)  # ModelPreparing: a one-time export or gate starts

    def __init__(self, app: App, parent=None) -> None:
        super().__init__(parent)
        self._unsubscribe = app.events.subscribe(self._forward)

    def _forward(self, event: object) -> None:
        """Runs in the emitting thread; Qt queues the signal to this object's (UI) thread."""
        if isinstance(event, RootsChanged):
            self.roots_changed.emit()
        elif isinstance(event, LibraryOpened):
            self.library_opened.emit(list(event.notes))
        elif isinstance(event, ModelChanged):
            self.model_changed.emit(event.embedder, event.error)
        elif isinstance(event, IndexDone):
            self.index_done.emit(event.last, event.error)
        elif isinstance(event, SettingsChanged):
            self.settings_changed.emit(event.changed)
        elif isinstance(event, ModelPreparing):
            self.model_preparing.emit(event)

    def detach(self) -> None:
        self._unsubscribe()
