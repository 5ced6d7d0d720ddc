"""Keep a library current until stopped: watch folders, wait for changes to settle, index.

`soundseek watch` runs this on the machine that hosts the drives; the desktop app runs the
same loop in a background thread. Drives that come and go, folders added by another process,
a model installed meanwhile and another process holding the writer lock are all handled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from soundseek.app.app import App
from soundseek.app.settings import MODEL_KEYS
from soundseek.errors import ModelError, StoreLocked
from soundseek.files.watch import DEBOUNCE_SECONDS, FolderWatcher

if TYPE_CHECKING:
    from soundseek.ingest.index_run import IndexProgress

log = logging.getLogger(__name__)

RESCAN_SECONDS = 10 * 60  # watching misses changes on network drives; a rescan catches them
BUSY_RETRY_SECONDS = 30.0
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class KeeperEvent:
    """kind: watching | started | progress | finished | busy | failed."""

    kind: str
    message: str = ""
    progress: IndexProgress | None = None
    error: Exception | None = None


class LibraryKeeper:
    """The loop; `request`, `cancel_run` and `stop` may be called from any thread."""

    def __init__(
        self, app: App, rescan_seconds: float = RESCAN_SECONDS,
        debounce: float = DEBOUNCE_SECONDS, load_model: bool = True, index_shared: bool = True,
    ) -> None:  # fmt: skip
        self.app = app
        # A team library is indexed by the machine that runs `watch` or `cluster index`
        # for it; designers' desktop apps read it and never compete for its writer lease.
        self.index_shared = index_shared
        self.rescan_seconds = rescan_seconds
        self.load_model = load_model
        self.watcher = FolderWatcher(self._changed, debounce)
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._run_cancel = threading.Event()
        self._next_rescan = 0.0
        self.running = False  # an index run is in progress

    def _changed(self, paths: set[str]) -> None:
        """Files SoundSeek wrote itself are already current in the index: no run for them."""
        if not all(self.app.own_writes.ours(p) for p in paths):
            self.request()

    def request(self) -> None:
        """Index as soon as possible (a change was seen, or a user asked for a rescan)."""
        self._wanted.set()

    def cancel_run(self) -> None:
        """Stop the current run cleanly; watching goes on."""
        self._run_cancel.set()

    def stop(self) -> None:
        self._stop.set()
        self._run_cancel.set()
        self._wanted.set()

    def run(self) -> Iterator[KeeperEvent]:
        watched: tuple | None = None
        try:
            while not self._stop.is_set():
                layout = self._layout()
                if layout != watched:
                    watched = layout
                    yield self._rewatch(layout)
                if self._due():
                    yield from self._index_once()
                self._wanted.wait(TICK_SECONDS)
        finally:
            self.watcher.stop()

    def _layout(self) -> tuple:
        """Which folders exist now: a change (folder added, drive plugged in) re-watches."""
        return tuple((r.id, r.path, r.online) for r in self.app.roots())

    def _rewatch(self, layout: tuple) -> KeeperEvent:
        online = [path for _id, path, up in layout if up]
        mode = self.watcher.watch(online, polling=self.app.settings.watch_polling)
        offline = len(layout) - len(online)
        self.request()
        note = f", {offline} offline" if offline else ""
        return KeeperEvent("watching", f"watching {len(online)} folders ({mode}){note}")

    def _due(self) -> bool:
        if self.app.place.shared and not self.index_shared:
            self._wanted.clear()
            return False
        if self._stop.is_set() or not self.app.roots():
            self._wanted.clear()
            return False
        return self._wanted.is_set() or time.monotonic() >= self._next_rescan

    def _index_once(self) -> Iterator[KeeperEvent]:
        self._wanted.clear()
        self._run_cancel.clear()
        self._next_rescan = time.monotonic() + self.rescan_seconds
        self._refresh_model()
        self.running = True
        yield KeeperEvent("started")
        try:
            last = None
            for p in self.app.index(self._run_cancel):
                last = p
                yield KeeperEvent("progress", progress=p)
            yield KeeperEvent("finished", progress=last)
        except StoreLocked as exc:
            self._next_rescan = time.monotonic() + BUSY_RETRY_SECONDS
            yield KeeperEvent("busy", str(exc), error=exc)
        except Exception as exc:  # logged with its traceback; the next change tries again
            log.exception("index run failed")
            yield KeeperEvent("failed", f"indexing stopped: {exc}", error=exc)
        finally:
            self.running = False

    def _refresh_model(self) -> None:
        """Load the model if it is missing or was switched (by this or another process)."""
        changed = self.app.reload_settings() & MODEL_KEYS
        if not self.load_model or (self.app.embedder is not None and not changed):
            return
        gave_up = self.app.embedder is None and self.app.model_error is not None
        if gave_up and not changed and not self.app.model_installed():
            return  # still not on disk: metadata only, no retry storm
        try:
            self.app.load_model()
        except ModelError as exc:
            log.info("indexing without sound vectors: %s", exc)
