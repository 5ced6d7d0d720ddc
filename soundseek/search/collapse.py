"""Results collapse copies: one row per sound, the best copy shown, the others listed with it.

A sound is a copy group at the "recording" level (identical audio and other encodes, rates,
gains and trims of it; a region of a longer file is its own sound). The row keeps the rank,
score and reasons of the sound's best-ranked hit and shows the group's keeper (the copy a
sound designer would reach for); the matched time range is kept when the keeper holds the
same audio, since a trimmed copy's times are not the keeper's. Hidden files never show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from soundseek.copies.groups import CopyGroup
from soundseek.search.hits import Hit, HitCopy, SearchResult

GroupOf = Callable[[str], "CopyGroup | None"]  # content hash -> its group at "recording"


def collapse(
    result: SearchResult, group_of: GroupOf, hidden: set[str] | frozenset[str] = frozenset()
) -> SearchResult:
    """The result with one row per sound (ranks renumbered) and hidden files left out."""
    rows: list[Hit] = []
    shown: set[str] = set()
    for hit in result.hits:
        if hit.path in hidden:
            continue
        group = group_of(hit.file.content_hash) if hit.file.content_hash else None
        if group is None:
            rows.append(hit)
            continue
        if group.id in shown:
            continue
        shown.add(group.id)
        rows.append(_row(hit, group, hidden))
    hits = [replace(h, rank=i + 1) for i, h in enumerate(rows)]
    return SearchResult(hits, result.notes)


def _row(hit: Hit, group: CopyGroup, hidden: set[str] | frozenset[str]) -> Hit:
    visible = [c for c in group.copies if c.path not in hidden]
    keeper = visible[0] if visible else None
    if keeper is None or keeper.path == hit.path:
        row = hit
    elif keeper.file.content_hash == hit.file.content_hash:
        row = replace(hit, path=keeper.path, file=keeper.file)
    else:
        row = replace(hit, path=keeper.path, file=keeper.file, start=None, end=None)
    copies = [HitCopy(c.path, c.level, c.file) for c in visible if c.path != row.path]
    return replace(row, copies=copies)
