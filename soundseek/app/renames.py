"""Renames a write made but the index never heard of: the index learns a batch's renames when
the batch ends, so a write killed midway leaves renamed files under their old names in the
index (the next write refused them: "No such file or directory"). The journal knows them."""

from __future__ import annotations

import os
from pathlib import Path

from soundseek.index.store import Store
from soundseek.writing.journal import batches


def unlearned_renames(store: Store, journal_root: Path) -> list[tuple[str, str]]:
    """(old path, new path) of each file a batch not undone renamed, which is on disk under
    its new name only while the index still holds a row for the old one."""
    moved: dict[str, str] = {}
    for batch in batches(journal_root):
        if batch.undone:
            continue
        for e in batch.entries:
            if e.new_path != e.path and e.path not in moved and _moved_on_disk(e.path, e.new_path):
                moved[e.path] = e.new_path
    keys = {k: old for old in moved if (k := store.key_of(old)) is not None}
    stale = store.known_keys(list(keys))
    return sorted((keys[k], moved[keys[k]]) for k in stale)


def _moved_on_disk(old: str, new: str) -> bool:
    return os.path.isfile(new) and not os.path.lexists(old)
