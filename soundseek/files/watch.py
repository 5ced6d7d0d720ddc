"""Watch library folders and report audio changes once a burst of events has settled.

Qt-free, so the desktop app, `soundseek watch` and any service share it. Callbacks arrive on a
timer thread; a GUI adapts them to its own event loop.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

from soundseek.files.scanner import is_audio, is_clutter

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 1.5
POLL_SECONDS = 5.0
CHANGE_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})

OnChange = Callable[[set[str]], None]


class FolderWatcher:
    """watchdog's native observer, falling back to polling (network drives, watch limits).

    Writes fire bursts of events (one 20 MB write gave 121); `on_change` is called once the
    folders have been quiet for `debounce` seconds, with every path touched in the burst.
    """

    def __init__(self, on_change: OnChange, debounce: float = DEBOUNCE_SECONDS) -> None:
        self.on_change = on_change
        self.debounce = debounce
        self.mode = "off"
        self._observer = None
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def watch(self, folders: Iterable[str], polling: bool = False) -> str:
        """(Re)start watching the folders that exist; returns the mode: native, polling or off."""
        self.stop()
        folders = [f for f in folders if os.path.isdir(f)]
        if not folders:
            return self.mode
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        if not polling:
            try:
                self._observer, self.mode = self._start(Observer(), folders), "native"
                return self.mode
            except OSError as exc:  # inotify watch limit (errno 28) and friends
                log.warning("native folder watching failed (%s); polling instead", exc)
        self._observer = self._start(PollingObserver(timeout=POLL_SECONDS), folders)
        self.mode = "polling"
        return self.mode

    def _start(self, observer, folders: list[str]):
        handler = _Handler(self._event)
        for f in folders:
            observer.schedule(handler, f, recursive=True)
        observer.start()
        return observer

    def _event(self, path: str) -> None:
        with self._lock:
            self._pending.add(path)
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce, self._settled)
            self._timer.daemon = True
            self._timer.start()

    def _settled(self) -> None:
        with self._lock:
            paths, self._pending, self._timer = self._pending, set(), None
        if paths:
            try:
                self.on_change(paths)
            except Exception:  # a listener's bug must not kill the watcher thread silently
                log.exception("folder change listener failed")

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer, self._pending = None, set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
        self.mode = "off"


class _Handler:
    """Forwards audio-file events (and folder deletes/moves) only."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self.emit = emit

    def dispatch(self, event) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return  # reads (ours included) fire opened / closed_no_write: not changes
        for p in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
            p = os.fsdecode(p) if p else ""
            name = os.path.basename(p)
            if p and not event.is_directory and is_audio(name) and not is_clutter(name):
                self.emit(p)
                return
            if p and event.is_directory and event.event_type in ("deleted", "moved"):
                self.emit(p)
                return
