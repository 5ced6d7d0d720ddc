"""Watch library folders and ask for a (debounced) incremental index when audio changes."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QTimer, Signal

from soundseek.core.scanner import is_audio, is_clutter

DEBOUNCE_MS = 1500
CHANGE_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})
RESCAN_MS = 10 * 60 * 1000


class FolderWatcher(QObject):
    """watchdog's native observer, falling back to polling (network drives, watch limits)."""

    changed = Signal()
    _event = Signal(str)

    def __init__(self, debounce_ms: int = DEBOUNCE_MS, parent=None) -> None:
        super().__init__(parent)
        self._observer = None
        self.mode = "off"
        self._timer = QTimer(self, singleShot=True, interval=debounce_ms, timeout=self.changed.emit)
        self._rescan = QTimer(self, interval=RESCAN_MS, timeout=self.changed.emit)
        self._event.connect(lambda _p: self._timer.start())

    def watch(self, roots: list[str]) -> None:
        self.stop()
        roots = [r for r in roots if os.path.isdir(r)]
        if not roots:
            return
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        try:
            self._observer = self._start(Observer(), roots)
            self.mode = "native"
        except OSError:
            self._observer = self._start(PollingObserver(timeout=5), roots)
            self.mode = "polling"
        self._rescan.start()

    def _start(self, observer, roots: list[str]):
        handler = _Handler(self._event.emit)
        for r in roots:
            observer.schedule(handler, r, recursive=True)
        observer.start()
        return observer

    def stop(self) -> None:
        self._rescan.stop()
        self._timer.stop()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
        self.mode = "off"


class _Handler:
    """Forwards audio-file events only; bursts are collapsed by the debounce timer."""

    def __init__(self, emit) -> None:
        self.emit = emit

    def dispatch(self, event) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return  # reads (ours included) fire opened / closed_no_write: not changes
        for p in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
            name = os.path.basename(str(p))
            if p and not event.is_directory and is_audio(name) and not is_clutter(name):
                self.emit(str(p))
                return
            if p and event.is_directory and event.event_type in ("deleted", "moved"):
                self.emit(str(p))
                return
