"""The library folders an index knows, by id: `roots.json` beside the tables.

Kept outside the tables so adding, removing or re-pointing a folder never waits for (or
blocks) an indexing run that holds the writer lock; a short file lock serialises edits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from soundseek.errors import StoreVersionError
from soundseek.files.roots import Root
from soundseek.index.jsonfile import read_json, stamp, write_json
from soundseek.index.lock import short_lock

ROOTS_VERSION = 1


class RootRegistry:
    """Read freely (cached until the file changes); change only through `update`."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "roots.json"
        self._lock_path = directory / "roots.lock"
        self._cache: tuple[tuple[int, int] | None, list[Root]] | None = None
        self._mutex = threading.Lock()

    def load(self) -> list[Root]:
        with self._mutex:
            now = stamp(self.path)
            if self._cache is None or self._cache[0] != now:
                self._cache = (now, self._read())
            return list(self._cache[1])

    def by_id(self) -> dict[str, Root]:
        return {r.id: r for r in self.load()}

    def update(self, change: Callable[[list[Root]], list[Root]]) -> list[Root]:
        """Apply `change` to the current list under the lock and save the result atomically."""
        with short_lock(self._lock_path):
            roots = change(self._read())
            write_json(self.path, {"version": ROOTS_VERSION, "roots": [_to_json(r) for r in roots]})
        return self.load()

    def _read(self) -> list[Root]:
        raw = read_json(self.path) or {"version": ROOTS_VERSION, "roots": []}
        if raw.get("version", 1) > ROOTS_VERSION:
            raise StoreVersionError(
                f"{self.path} was written by a newer SoundSeek (roots version {raw['version']})"
            )
        return [Root(r["id"], r["path"], r.get("name", "")) for r in raw.get("roots", [])]


def _to_json(root: Root) -> dict:
    return {"id": root.id, "path": root.path, "name": root.name}
