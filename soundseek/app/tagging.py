"""The user's own tags: on contents (they follow a file through renames, moves and rescans),
written by the one index writer, read by anyone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from soundseek.classify.learn import MIN_EXAMPLES, file_means, suggest
from soundseek.errors import QuerySyntaxError
from soundseek.index.places.place import Place
from soundseek.index.store import Store
from soundseek.index.tables.filters import normal_tag


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


@dataclass(frozen=True)
class TagSuggestion:
    path: str
    tag: str
    confidence: float


def set_tag(
    place: Place, reader: Store, tag: str, paths: list[str], on: bool, kind: str = "tag"
) -> TagChange:
    name = normal_tag(tag)
    if not name or ":" in name:
        raise QuerySyntaxError(f"not a tag: {tag!r} (words, without ':')")
    found, missing = _contents(reader, paths)
    changed = 0
    if found:
        with Store(place, writable=True) as store:
            changed = store.annotations.set_tag(name, list(found.values()), on, kind)
    return TagChange(name, changed, len(found), missing)


def tags_of(reader: Store, paths: list[str]) -> dict[str, list[str]]:
    """Each indexed path's tags (paths not in the index are left out)."""
    found, _ = _contents(reader, paths)
    by_hash = reader.annotations.tags_of(list(found.values()))
    return {p: by_hash.get(h, []) for p, h in found.items()}


def suggest_tag(reader: Store, tag: str, limit: int = 50) -> list[TagSuggestion]:
    """Files the tag probably fits, best first, learned from the files that carry it (three
    at least) and those where it was rejected."""
    name = normal_tag(tag)
    positives = set(reader.annotations.hashes_tagged(name))
    if len(positives) < 3:
        raise QuerySyntaxError(
            f"tag {name!r} is on {len(positives)} indexed files: tag at least 3 to learn it"
        )
    hashes, x = file_means(reader.windows.batches())
    if not hashes:
        return []
    picks = suggest(
        hashes, x, positives, set(reader.annotations.hashes_tagged(name, "not")), limit * 2
    )
    records = {r.content_hash: r for r in reader.records_by_hash([p.content_hash for p in picks])}
    out = [TagSuggestion(records[p.content_hash].path, name, p.confidence)
           for p in picks if p.content_hash in records]  # fmt: skip
    return out[:limit]


@dataclass(frozen=True)
class TagGuess:
    """A learned tag that probably fits a content the user has not tagged or rejected."""

    tag: str
    confidence: float


LEARNED_MIN_CONFIDENCE = 0.5  # below this a learned tag is not worth a reviewer's look
LEARNED_PER_TAG = 100  # the best files per tag: a review list, not a classification


def learned_tags(
    reader: Store, min_confidence: float = LEARNED_MIN_CONFIDENCE, per_tag: int = LEARNED_PER_TAG
) -> dict[str, list[TagGuess]]:
    """Content hash -> the learned tags that probably fit it, best first, for every tag that
    three files or more carry. File vectors are read once for all tags (the slow part)."""
    learnable = [t for t, n in reader.annotations.tag_counts().items() if n >= MIN_EXAMPLES]
    if not learnable:
        return {}
    hashes, x = file_means(reader.windows.batches())
    out: dict[str, list[TagGuess]] = {}
    for tag in learnable:
        positives, no = (
            set(reader.annotations.hashes_tagged(tag)),
            set(reader.annotations.hashes_tagged(tag, "not")),
        )
        for p in suggest(hashes, x, positives, no, per_tag) if hashes else []:
            if p.confidence >= min_confidence:
                out.setdefault(p.content_hash, []).append(TagGuess(tag, p.confidence))
    return {h: sorted(v, key=lambda g: -g.confidence) for h, v in out.items()}
