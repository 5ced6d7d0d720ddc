"""`app.copies`: the library's copies of one sound, grouped, with the copy to keep.

Groups are read from the index: identical audio from the content hashes, the looser relations
(same recording, a region of a longer file) from the print index that the index run keeps.
A caller can narrow them to files under some paths (a group is shown whole when any of its
files is there)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from soundseek.copies.groups import RECORDING, CopyGroup, build_groups, check_level

if TYPE_CHECKING:
    from soundseek.index.store import Store


class Copies:
    def __init__(self, store: Callable[[], Store]) -> None:
        self._store = store  # the open index's store (opened on first use)

    def groups(self, paths: list[str] | None = None, level: str = RECORDING) -> list[CopyGroup]:
        """Copy groups at `level` (identical, recording or contained: each admits the tighter
        ones), largest first; only those with a file under one of `paths` when given."""
        check_level(level)
        store = self._store()
        relations = store.prints.relations()
        contents = set(store.prints.shared_contents())
        contents |= {c for r in relations for c in (r.outer, r.inner)}
        records = store.records_by_hash(sorted(contents)) if contents else []
        groups = build_groups(records, relations, level)
        if paths:
            roots = [os.path.abspath(p) for p in paths]
            groups = [g for g in groups if any(_under(c.path, roots) for c in g.copies)]
        return groups


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
