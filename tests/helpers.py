"""Small shared steps for indexer and search tests."""

from __future__ import annotations

from soundseek.core.indexer import IndexOptions, run_index
from soundseek.core.store import Store


def index(paths, roots, embedder=None, **kw):
    """Run the indexer to completion; returns the list of progress events."""
    with Store(paths.store_dir, writable=True) as store:
        return list(run_index(store, IndexOptions([str(r) for r in roots], **kw), embedder))


def rows_by_name(paths) -> dict[str, dict]:
    import os

    return {os.path.basename(r["path"]): r for r in Store(paths.store_dir).files()}
