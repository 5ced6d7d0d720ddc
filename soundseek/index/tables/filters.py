"""File filters as typed conditions: each condition is written once, as its SQL over the files
table and as the same test on a record in hand (the word index keeps records beside its
words), side by side in one class. Adding a filter is one class here (and its key in
search.query). Only this module knows column names and quoting. Text matches use `strpos`,
never `LIKE`, so `_` and `%` in folder names are literal.
"""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum
from functools import cached_property

from soundseek.files.roots import Root
from soundseek.index.tables.records import FileRecord, FileStatus

NUMERIC_OPS = ("<=", ">=", "<", ">", "=")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "=": operator.eq,
}  # fmt: skip


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(sql_str(v) for v in values)})"


def normal_tag(tag: str) -> str:
    """Tags match whatever their case and spacing: "Big Whoosh" is "big whoosh"."""
    return " ".join(tag.lower().split())


class Condition(ABC):
    """One condition on a file: its SQL predicate over the files table (`roots`: the known
    roots, for conditions on the folder path) and the same test on a record (`root`: the
    record's own root)."""

    @abstractmethod
    def sql(self, roots: list[Root]) -> str: ...

    @abstractmethod
    def holds(self, rec: FileRecord, root: Root) -> bool: ...


class Measure(Enum):
    """A number a file has, by its column: duration in seconds, the rest whole numbers."""

    DURATION = "duration"
    SAMPLERATE = "samplerate"  # hertz
    CHANNELS = "channels"
    BIT_DEPTH = "bit_depth"


@dataclass(frozen=True)
class Number(Condition):
    """`dur:<3s`, `sr:>=96k`, `ch:2`, `bits:24`: a measure compared with a value."""

    measure: Measure
    op: str  # one of NUMERIC_OPS
    value: float

    def _limit(self) -> float:
        if self.op not in NUMERIC_OPS:
            raise ValueError(f"unknown comparison {self.op!r}")
        return float(self.value) if self.measure is Measure.DURATION else int(float(self.value))

    def sql(self, roots: list[Root]) -> str:
        return f"{self.measure.value} {self.op} {self._limit()!r}"

    def holds(self, rec: FileRecord, root: Root) -> bool:
        return _COMPARE[self.op](float(getattr(rec, self.measure.value)), float(self._limit()))


@dataclass(frozen=True)
class Extension(Condition):
    """`ext:wav,flac`: one of several extensions (any case, with or without the dot)."""

    values: tuple[str, ...]

    @cached_property
    def _wanted(self) -> frozenset[str]:
        """Made once: a filtered word search tests hundreds of records against it."""
        return frozenset(v.lower().lstrip(".") for v in self.values)

    def sql(self, roots: list[Root]) -> str:
        return sql_in("ext", sorted(self._wanted)) if self.values else "false"

    def holds(self, rec: FileRecord, root: Root) -> bool:
        return rec.ext in self._wanted


@dataclass(frozen=True)
class Category(Condition):
    """`cat:DOOR`: a UCS CatID, category or the start of either."""

    prefix: str

    def sql(self, roots: list[Root]) -> str:
        term = sql_str(self.prefix.upper())
        return f"starts_with(upper(catid), {term}) OR starts_with(upper(category), {term})"

    def holds(self, rec: FileRecord, root: Root) -> bool:
        term = self.prefix.upper()
        return rec.catid.upper().startswith(term) or rec.category.upper().startswith(term)


@dataclass(frozen=True)
class Folder(Condition):
    """`in:foley` or `in:SFX/Foley\\Doors`: a piece of '<root name>/<folder inside it>'."""

    piece: str

    def _needle(self) -> str:
        return self.piece.replace("\\", "/").strip("/").lower()

    def sql(self, roots: list[Root]) -> str:
        needle = sql_str(self._needle())
        if not roots:
            return f"strpos(lower(reldir), {needle}) > 0"
        per_root = [
            f"(root_id = {sql_str(r.id)} AND "
            f"strpos(lower(concat({sql_str(r.name + '/')}, reldir)), {needle}) > 0)"
            for r in roots
        ]
        return " OR ".join(per_root)

    def holds(self, rec: FileRecord, root: Root) -> bool:
        return self._needle() in f"{root.name}/{rec.reldir}".lower()


@dataclass(frozen=True)
class Contents(Condition):
    """One of these content hashes (what a tag resolves to)."""

    hashes: tuple[str, ...]

    def sql(self, roots: list[Root]) -> str:
        return sql_in("content_hash", self.hashes) if self.hashes else "false"

    @cached_property
    def _hashes(self) -> frozenset[str]:
        """Made once: a tag can name thousands of contents, tested against every record."""
        return frozenset(self.hashes)

    def holds(self, rec: FileRecord, root: Root) -> bool:
        return rec.content_hash in self._hashes


@dataclass(frozen=True)
class Tagged(Condition):
    """`tag:keeper`: one of the user's tags. Tags live in their own table, so a tag condition
    is resolved to the contents it names (`resolve_tags`) before it is compiled or tested."""

    tag: str

    def sql(self, roots: list[Root]) -> str:
        raise ValueError("tag conditions are resolved to contents first (resolve_tags)")

    def holds(self, rec: FileRecord, root: Root) -> bool:
        raise ValueError("tag conditions are resolved to contents first (resolve_tags)")


@dataclass(frozen=True)
class Statuses(Condition):
    """The file's indexing status is one of these."""

    statuses: tuple[FileStatus, ...]

    def sql(self, roots: list[Root]) -> str:
        return sql_in("status", [FileStatus(s).value for s in self.statuses])

    def holds(self, rec: FileRecord, root: Root) -> bool:
        return FileStatus(rec.status) in self.statuses


@dataclass(frozen=True)
class Readable(Condition):
    """The file is not one that could not be read (status error)."""

    def sql(self, roots: list[Root]) -> str:
        return f"status != {sql_str(FileStatus.ERROR.value)}"

    def holds(self, rec: FileRecord, root: Root) -> bool:
        return FileStatus(rec.status) is not FileStatus.ERROR


@dataclass(frozen=True)
class FileFilter:
    """All conditions must hold (AND). Unreadable files are left out unless asked for."""

    conditions: tuple[Condition, ...] = ()
    statuses: tuple[FileStatus, ...] | None = None
    include_errors: bool = False

    @property
    def narrows(self) -> bool:
        """Whether it restricts files beyond leaving out unreadable ones."""
        return bool(self.conditions) or self.statuses is not None

    @cached_property
    def status_rule(self) -> tuple[Condition, ...]:
        """The rule on statuses: one of a list, or readable (none when errors are asked for)."""
        if self.statuses is not None:
            return (Statuses(tuple(self.statuses)),)
        return () if self.include_errors else (Readable(),)


EVERYTHING = FileFilter(include_errors=True)
SEARCHABLE = FileFilter()
ONLY_PENDING = FileFilter(statuses=(FileStatus.PENDING,))
ONLY_INDEXED = FileFilter(statuses=(FileStatus.INDEXED,))
ONLY_ERRORS = FileFilter(statuses=(FileStatus.ERROR,))


def resolve_tags(flt: FileFilter, tagged: Callable[[str], list[str]]) -> FileFilter:
    """Tag conditions become content conditions (tags live in their own table)."""
    if not any(isinstance(c, Tagged) for c in flt.conditions):
        return flt
    conditions = tuple(
        Contents(tuple(tagged(c.tag))) if isinstance(c, Tagged) else c for c in flt.conditions
    )
    return replace(flt, conditions=conditions)


def compile_filter(flt: FileFilter, roots: list[Root]) -> str | None:
    """The SQL predicate over the files table, or None when every file matches."""
    parts = [
        *(f"({c.sql(roots)})" for c in flt.conditions),
        *(c.sql(roots) for c in flt.status_rule),
    ]
    return " AND ".join(parts) or None


def accepts(rec: FileRecord, flt: FileFilter, roots: dict[str, Root]) -> bool:
    """The same test as `compile_filter` + the known-roots rule, on a record in hand. Tag
    conditions must be resolved first."""
    root = roots.get(rec.root_id)
    if root is None or not all(c.holds(rec, root) for c in flt.status_rule):
        return False
    return all(c.holds(rec, root) for c in flt.conditions)
