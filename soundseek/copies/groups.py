"""Copy groups: files that hold one sound, joined from what the index knows.

Identical audio is known from the content hash (two files, one audio payload). The looser
relations come from the sound-print index as pairs of contents (`Relation`): the same
recording (another codec, rate, depth, gain, a trim) or one content inside a longer one, at
an offset. A group is a connected set of files under the relations a caller admits (a level
admits itself and every tighter one), so a master, its MP3 and the MP3's 200 ms trim are one
group at "recording" even where the trim was only ever compared with the MP3.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from soundseek.copies.keeper import keeper_order
from soundseek.errors import SoundSeekError
from soundseek.index.prints.relations import CONTAINED, IDENTICAL, LEVELS, RECORDING, Relation
from soundseek.index.tables.records import FileRecord

COLLAPSE_LEVEL = RECORDING  # results collapse copies of one recording, never regions


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise SoundSeekError(f"unknown duplicate level {level!r}: use one of {', '.join(LEVELS)}")
    return level


def admits(level: str, relation: str) -> bool:
    """Whether a group at `level` takes a relation of kind `relation`."""
    return LEVELS.index(relation) <= LEVELS.index(level)


@dataclass(frozen=True)
class Copy:
    """One file of a group: whether it is the suggested keeper, how it relates to the keeper
    (IDENTICAL, RECORDING or CONTAINED) and, for a region, where it starts in the keeper."""

    file: FileRecord
    keeper: bool
    level: str
    offset_s: float | None = None

    @property
    def path(self) -> str:
        return self.file.path


@dataclass(frozen=True)
class CopyGroup:
    """Files holding one sound, the suggested keeper first. `level` is the group's loosest
    relation; `id` is stable while the same contents are in it (hides and exports name it)."""

    id: str
    level: str
    copies: tuple[Copy, ...]

    @property
    def keeper(self) -> Copy:
        return self.copies[0]

    @property
    def others(self) -> tuple[Copy, ...]:
        return self.copies[1:]

    def to_json(self) -> dict:
        """The `dupes --json` line (an interface: add keys, never rename)."""
        return {"id": self.id, "level": self.level,
                "files": [{"path": c.path, "keeper": c.keeper,
                           "level": None if c.keeper else c.level,
                           "offset_s": c.offset_s, "format": c.file.format,
                           "samplerate": c.file.samplerate, "bit_depth": c.file.bit_depth,
                           "channels": c.file.channels, "duration": c.file.duration,
                           "size": c.file.size} for c in self.copies]}  # fmt: skip


class _Joined:
    """Union-find over content hashes."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def build_groups(
    records: Iterable[FileRecord], relations: Iterable[Relation], level: str = RECORDING
) -> list[CopyGroup]:
    """Groups of two or more files under the relations `level` admits, largest first."""
    check_level(level)
    by_content: dict[str, list[FileRecord]] = defaultdict(list)
    for r in records:
        if r.content_hash:
            by_content[r.content_hash].append(r)
    joined, kept = _Joined(), [rel for rel in relations if admits(level, rel.level)]
    kept = [rel for rel in kept if rel.outer in by_content and rel.inner in by_content]
    for rel in kept:
        joined.join(rel.outer, rel.inner)
    members: dict[str, list[str]] = defaultdict(list)
    for content in by_content:
        members[joined.find(content)].append(content)
    many = [cs for cs in members.values() if sum(len(by_content[c]) for c in cs) > 1]
    groups = [_group(sorted(cs), by_content, kept) for cs in many]
    return sorted(groups, key=lambda g: (-len(g.copies), g.keeper.path))


def _group(contents: list[str], by_content: dict[str, list[FileRecord]],
           relations: list[Relation]) -> CopyGroup:  # fmt: skip
    inside = set(contents)
    rels = [r for r in relations if r.outer in inside and r.inner in inside]
    contained = {r.inner for r in rels if r.level == CONTAINED}
    files = [f for c in contents for f in by_content[c]]
    ordered = keeper_order(files, contained)
    keeper = ordered[0]
    copies = [Copy(keeper, True, IDENTICAL, None)]
    for f in ordered[1:]:
        lvl, offset = _relation_to(keeper.content_hash, f.content_hash, rels)
        copies.append(Copy(f, False, lvl, offset))
    level = max((c.level for c in copies[1:]), key=LEVELS.index)
    gid = hashlib.sha1("\n".join(contents).encode()).hexdigest()[:16]
    return CopyGroup(gid, level, tuple(copies))


def _relation_to(keeper: str, other: str, rels: list[Relation]) -> tuple[str, float | None]:
    """How `other` relates to the keeper: directly where a relation joins them, else through
    the group (the loosest relation on the way, offset unknown)."""
    if other == keeper:
        return IDENTICAL, None
    for r in rels:
        if {r.outer, r.inner} == {keeper, other}:
            if r.level == CONTAINED:
                return CONTAINED, r.offset_s if r.outer == keeper else -r.offset_s
            return r.level, None
    loosest = max((r.level for r in rels if other in (r.outer, r.inner)), key=LEVELS.index)
    return loosest, None
