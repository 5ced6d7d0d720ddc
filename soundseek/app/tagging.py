"""The user's own tags: on contents (they follow a file through renames, moves and rescans),
written by the one index writer, read by anyone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from soundseek.errors import QuerySyntaxError
from soundseek.index.filters import normal_tag
from soundseek.index.store import Store


@dataclass(frozen=True)
class TagChange:
    """What `tag add/remove` did: files changed, files already so, paths not in the index."""

    tag: str
    changed: int
    files: int
    not_indexed: list[str] = field(default_factory=list)


def _contents(store: Store, paths: list[str]) -> tuple[dict[str, str], list[str]]:
    """path -> content hash for the indexed paths; the others, as given."""
    found, missing = {}, []
    for p in paths:
        rec = store.record_at(os.path.abspath(p))
        if rec is not None and rec.content_hash:
            found[p] = rec.content_hash
        else:
            missing.append(p)
    return found, missing


def set_tag(store_dir: Path, reader: Store, tag: str, paths: list[str], on: bool) -> TagChange:
    name = normal_tag(tag)
    if not name or ":" in name:
        raise QuerySyntaxError(f"not a tag: {tag!r} (words, without ':')")
    found, missing = _contents(reader, paths)
    changed = 0
    if found:
        with Store(store_dir, writable=True) as store:
            changed = store.set_tag(name, list(found.values()), on)
    return TagChange(name, changed, len(found), missing)


def tags_of(reader: Store, paths: list[str]) -> dict[str, list[str]]:
    """Each indexed path's tags (paths not in the index are left out)."""
    found, _ = _contents(reader, paths)
    by_hash = reader.tags_of(list(found.values()))
    return {p: by_hash.get(h, []) for p, h in found.items()}
