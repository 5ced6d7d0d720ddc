"""Results collapse copies: one row per sound, the best copy shown, the others listed with it.

A sound is a copy group at the "recording" level (identical audio and other encodes, rates,
gains and trims of it; a region of a longer file is its own sound). The row takes the place
and score of the sound's best-ranked hit, and shows, of the sound's files that matched, the
best copy (the keeper order: lossless, rate, depth, metadata, age): a search by sound finds
every copy and shows the keeper; a search by words shows a file whose words matched, never
a copy named otherwise. The others follow in `copies`. Hidden files never show.
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
    visible = [h for h in result.hits if h.path not in hidden]
    groups = {h.path: group_of(h.file.content_hash) if h.file.content_hash else None
              for h in visible}  # fmt: skip
    matched: dict[str, list[Hit]] = {}
    for hit in visible:
        if groups[hit.path] is not None:
            matched.setdefault(groups[hit.path].id, []).append(hit)
    shown: set[str] = set()
    for hit in visible:
        group = groups[hit.path]
        if group is None:
            rows.append(hit)
        elif group.id not in shown:
            shown.add(group.id)
            rows.append(_row(hit, matched[group.id], group, hidden))
    hits = [replace(h, rank=i + 1) for i, h in enumerate(rows)]
    return SearchResult(hits, result.notes)


def _row(best: Hit, matched: list[Hit], group: CopyGroup, hidden: set[str] | frozenset[str]
         ) -> Hit:  # fmt: skip
    """The best copy among the matched files, at the best hit's place and score."""
    order = {c.path: i for i, c in enumerate(group.copies)}
    shown = min(matched, key=lambda h: order.get(h.path, len(order)))
    row = replace(shown, score=best.score, confidence=best.confidence, strong=best.strong)
    copies = [HitCopy(c.path, c.level, c.file) for c in group.copies
              if c.path != row.path and c.path not in hidden]  # fmt: skip
    return replace(row, copies=copies)
