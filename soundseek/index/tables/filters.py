"""File filters as typed conditions, compiled to the store's SQL here and nowhere else.

Search parses what users type into `Condition`s; only this module knows column names and
quoting. Text matches use `strpos`, never `LIKE`, so `_` and `%` in folder names are literal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum

from soundseek.files.roots import Root
from soundseek.index.tables.records import FileRecord, FileStatus

NUMERIC_OPS = ("<=", ">=", "<", ">", "=")


class Field(Enum):
    """What a condition is about, in the user's terms."""

    DURATION = "duration"  # seconds
    SAMPLERATE = "samplerate"  # hertz
    CHANNELS = "channels"
    BIT_DEPTH = "bit_depth"
    EXT = "ext"  # one of several extensions
    CATEGORY = "category"  # a UCS CatID, category or prefix of either
    FOLDER = "folder"  # a piece of the library folder path (root name included)
    TAG = "tag"  # one of the user's tags
    CONTENT = "content"  # one of these content hashes (what a tag resolves to)


@dataclass(frozen=True)
class Condition:
    field: Field
    op: str  # for numbers: one of NUMERIC_OPS; text conditions use "="
    value: float | str | tuple[str, ...]


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


EVERYTHING = FileFilter(include_errors=True)
SEARCHABLE = FileFilter()
ONLY_PENDING = FileFilter(statuses=(FileStatus.PENDING,))
ONLY_INDEXED = FileFilter(statuses=(FileStatus.INDEXED,))
ONLY_ERRORS = FileFilter(statuses=(FileStatus.ERROR,))


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(sql_str(v) for v in values)})"


def normal_tag(tag: str) -> str:
    """Tags match whatever their case and spacing: "Big Whoosh" is "big whoosh"."""
    return " ".join(tag.lower().split())


def resolve_tags(flt: FileFilter, tagged: Callable[[str], list[str]]) -> FileFilter:
    """Tag conditions become content conditions (tags live in their own table)."""
    if not any(c.field is Field.TAG for c in flt.conditions):
        return flt
    conditions = tuple(
        Condition(Field.CONTENT, "=", tuple(tagged(str(c.value)))) if c.field is Field.TAG else c
        for c in flt.conditions
    )
    return replace(flt, conditions=conditions)


def compile_filter(flt: FileFilter, roots: list[Root]) -> str | None:
    """The SQL predicate over the files table, or None when every file matches."""
    parts = [f"({_condition(c, roots)})" for c in flt.conditions]
    if flt.statuses is not None:
        parts.append(sql_in("status", [FileStatus(s).value for s in flt.statuses]))
    elif not flt.include_errors:
        parts.append(f"status != {sql_str(FileStatus.ERROR.value)}")
    return " AND ".join(parts) or None


def _condition(c: Condition, roots: list[Root]) -> str:
    if c.field in (Field.DURATION, Field.SAMPLERATE, Field.CHANNELS, Field.BIT_DEPTH):
        if c.op not in NUMERIC_OPS:
            raise ValueError(f"unknown comparison {c.op!r}")
        number = float(c.value) if c.field is Field.DURATION else int(float(c.value))
        return f"{c.field.value} {c.op} {number!r}"
    if c.field is Field.EXT:
        values = c.value if isinstance(c.value, tuple) else (str(c.value),)
        return sql_in("ext", [v.lower().lstrip(".") for v in values]) if values else "false"
    if c.field is Field.CONTENT:
        return sql_in("content_hash", c.value) if c.value else "false"
    if c.field is Field.TAG:
        raise ValueError("tag conditions are resolved to contents first (resolve_tags)")
    if c.field is Field.CATEGORY:
        term = sql_str(str(c.value).upper())
        return f"starts_with(upper(catid), {term}) OR starts_with(upper(category), {term})"
    return _folder(str(c.value), roots)


def _folder(value: str, roots: list[Root]) -> str:
    """`in:foley` or `in:SFX/Foley\\Doors`: a piece of '<root name>/<folder inside it>'."""
    needle = sql_str(value.replace("\\", "/").strip("/").lower())
    if not roots:
        return f"strpos(lower(reldir), {needle}) > 0"
    per_root = [
        f"(root_id = {sql_str(r.id)} AND "
        f"strpos(lower(concat({sql_str(r.name + '/')}, reldir)), {needle}) > 0)"
        for r in roots
    ]
    return " OR ".join(per_root)


def accepts(rec: FileRecord, flt: FileFilter, roots: dict[str, Root]) -> bool:
    """The same test as `compile_filter` + the known-roots rule, on a record in hand (the word
    index keeps records beside its words). Tag conditions must be resolved first."""
    if rec.root_id not in roots:
        return False
    if flt.statuses is not None:
        if FileStatus(rec.status) not in flt.statuses:
            return False
    elif not flt.include_errors and FileStatus(rec.status) is FileStatus.ERROR:
        return False
    return all(_holds(c, rec, roots[rec.root_id]) for c in flt.conditions)


_COMPARE = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__, ">": float.__gt__,
            "=": float.__eq__}  # fmt: skip


def _holds(c: Condition, rec: FileRecord, root: Root) -> bool:
    if c.field in (Field.DURATION, Field.SAMPLERATE, Field.CHANNELS, Field.BIT_DEPTH):
        limit = float(c.value) if c.field is Field.DURATION else float(int(float(c.value)))
        return _COMPARE[c.op](float(getattr(rec, c.field.value)), limit)
    if c.field is Field.EXT:
        values = c.value if isinstance(c.value, tuple) else (str(c.value),)
        return rec.ext in {v.lower().lstrip(".") for v in values}
    if c.field is Field.CONTENT:
        return rec.content_hash in set(c.value)
    if c.field is Field.TAG:
        raise ValueError("tag conditions are resolved to contents first (resolve_tags)")
    if c.field is Field.CATEGORY:
        term = str(c.value).upper()
        return rec.catid.upper().startswith(term) or rec.category.upper().startswith(term)
    needle = str(c.value).replace("\\", "/").strip("/").lower()
    return needle in f"{root.name}/{rec.reldir}".lower()
