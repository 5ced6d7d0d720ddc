"""Files SoundSeek itself just wrote: the folder watcher ignores their change events."""

from __future__ import annotations

import os
import threading
import time

OWN_WRITE_SECONDS = 120.0  # how long a watcher event on a file SoundSeek wrote is ignored


class OwnWrites:
    """Files SoundSeek itself just wrote, with the size and mtime it left them with: the
    folder watcher ignores their events (the index was already refreshed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[int, int, float]] = {}

    def add(self, path: str) -> None:
        """Record the file as SoundSeek left it (gone, for the old name of a renamed file)."""
        with self._lock:
            self._files[path] = (*_state(path), time.monotonic())

    def ours(self, path: str) -> bool:
        with self._lock:
            seen = self._files.get(path)
        if seen is None or time.monotonic() - seen[2] > OWN_WRITE_SECONDS:
            return False
        return _state(path) == seen[:2]


def _state(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return -1, -1
    return st.st_size, st.st_mtime_ns
