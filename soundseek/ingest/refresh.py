"""Bring a few files' rows up to date at once, without a walk: after SoundSeek wrote their
metadata (or undid it), renamed them, or put them back. Their audio did not change, so their
vectors, tags and accepted categories stay attached by content and nothing is embedded."""

from __future__ import annotations

import os

from soundseek.files.roots import owning_root, relpath_of
from soundseek.files.scanner import ScannedFile
from soundseek.index.store import Store
from soundseek.ingest.describe import describe
from soundseek.ingest.scanning import Commits
from soundseek.metadata.ucs import load_catalog


def refresh_files(store: Store, present: list[str], gone: list[str] = ()) -> int:
    """Re-read `present` files (absolute paths) and drop the rows of `gone` ones (renamed:
    `present` holds their new paths), all in one commit; returns how many rows were
    refreshed. Files outside every library folder are ignored."""
    roots = store.roots.load()
    catalog = load_catalog()
    records = []
    for path in present:
        root = owning_root(os.path.abspath(path), roots)
        if root is None or not os.path.isfile(path):
            continue
        st = os.stat(path)
        found = ScannedFile(root.id, relpath_of(path, root.path), path, st.st_size, st.st_mtime_ns)
        records.append(describe(found, catalog))
    keys = [k for p in gone if (k := store.key_of(p)) is not None and not os.path.exists(p)]
    # Their old rows still count as embedded here: the new rows take their vectors over.
    store.move_files(Commits(store, first_run=False).reuse(records), keys)
    return len(records)
