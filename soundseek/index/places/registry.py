"""The library folders an index knows, by id: `roots.json` beside the tables.

Kept outside the tables so adding, removing or re-pointing a folder never waits for (or
blocks) an indexing run that holds the writer lock; edits are atomic read-modify-writes (a
short file lock locally, compare-and-swap on object storage).

A shared library's roots are where the machine that added them has them; each machine maps
a root to its own mount point (`mounts`, by root id), so every path it shows, plays or drags
is a real local path. The stored path is never overwritten by a mapping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from soundseek.errors import StoreVersionError
from soundseek.files.roots import Root

ROOTS_VERSION = 1


class RootRegistry:
    """Read freely (cached until the document changes); change only through `update`."""

    def __init__(self, doc, mounts: dict[str, str] | None = None) -> None:
        self.doc = doc
        self.mounts = dict(mounts or {})
        self._cache: tuple[object, list[Root]] | None = None
        self._mutex = threading.Lock()

    def load(self) -> list[Root]:
        with self._mutex:
            now = self.doc.stamp()
            if self._cache is None or self._cache[0] != now:
                self._cache = (now, [self._mounted(r) for r in _parse(self.doc.read())])
            return list(self._cache[1])

    def by_id(self) -> dict[str, Root]:
        return {r.id: r for r in self.load()}

    def stored(self) -> list[Root]:
        """The roots as stored, without this machine's mount points."""
        return _parse(self.doc.read())

    def update(self, change: Callable[[list[Root]], list[Root]]) -> list[Root]:
        """Apply `change` to the current list (as this machine sees it) atomically."""

        def apply(raw: dict | None) -> dict:
            stored = {r.id: r for r in _parse(raw)}
            roots = change([self._mounted(r) for r in stored.values()])
            return {"version": ROOTS_VERSION,
                    "roots": [_to_json(self._unmounted(r, stored)) for r in roots]}  # fmt: skip

        self.doc.update(apply)
        return self.load()

    def _mounted(self, root: Root) -> Root:
        local = self.mounts.get(root.id)
        return replace(root, path=local) if local else root

    def _unmounted(self, root: Root, stored: dict[str, Root]) -> Root:
        old = stored.get(root.id)
        if old is not None and self.mounts.get(root.id) == root.path:
            return replace(root, path=old.path)
        return root


def _parse(raw: dict | None) -> list[Root]:
    raw = raw or {"version": ROOTS_VERSION, "roots": []}
    if raw.get("version", 1) > ROOTS_VERSION:
        raise StoreVersionError(
            f"roots.json was written by a newer SoundSeek (roots version {raw['version']})"
        )
    return [Root(r["id"], r["path"], r.get("name", "")) for r in raw.get("roots", [])]


def _to_json(root: Root) -> dict:
    return {"id": root.id, "path": root.path, "name": root.name}
