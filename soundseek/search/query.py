"""Parse what users type: words, "quoted phrases", -exclusions and field filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soundseek.errors import QuerySyntaxError
from soundseek.index.tables.filters import Condition, Field, FileFilter

TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))')
FILTER_KEYS = {"dur", "sr", "ch", "ext", "cat", "in", "bits", "tag"}
OPS = ("<=", ">=", "<", ">", "=")
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "k": 1000.0, "khz": 1000.0}


@dataclass
class Filter:
    """A filter as typed (`dur:<3s`): key, comparison and the raw value."""

    key: str
    op: str
    value: str


@dataclass
class ParsedQuery:
    """A query split into what is searched by sound/words and what narrows the results."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The positive part of the query, as natural language for the text encoder."""
        return " ".join([*self.words, *self.phrases]).strip()

    @property
    def empty(self) -> bool:
        return not (self.text or self.filters)

    def file_filter(self) -> FileFilter:
        """The filters as conditions the index compiles (units resolved here)."""
        return FileFilter(tuple(condition(f) for f in self.filters))


def parse_query(raw: str) -> ParsedQuery:
    q = ParsedQuery()
    for neg, key, quoted, bare in TOKEN.findall(raw):
        value = quoted if quoted or not bare else bare
        if key and key.lower() in FILTER_KEYS and not neg:
            q.filters.append(_filter(key.lower(), value))
            continue
        if key:
            value = f"{key}:{value}"
        if not value.strip():
            continue
        if neg:
            q.excludes.append(value.lower())
        elif quoted:
            q.phrases.append(value)
        else:
            q.words.append(value)
    return q


def _filter(key: str, value: str) -> Filter:
    op = next((o for o in OPS if value.startswith(o)), "=")
    rest = value[len(op) :] if value.startswith(op) else value
    if not rest:
        raise QuerySyntaxError(f"filter {key}: needs a value, e.g. {key}:{_example(key)}")
    return Filter(key, op, rest)


def _example(key: str) -> str:
    return {
        "dur": "<3s",
        "sr": ">=96k",
        "ch": "2",
        "ext": "wav",
        "cat": "DOOR",
        "in": "foley",
        "tag": "keeper",
    }.get(key, "value")


def number(value: str, key: str, default_unit: float = 1.0) -> float:
    """`3s`, `1.5m`, `500ms`, `96k`, `44.1khz` → seconds or hertz."""
    m = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)", value.strip())
    if not m:
        raise QuerySyntaxError(f"filter {key}: {value!r} is not a number")
    unit = m.group(2).lower()
    if unit and unit not in UNITS:
        raise QuerySyntaxError(f"filter {key}: unknown unit {unit!r}")
    return float(m.group(1)) * (UNITS[unit] if unit else default_unit)


NUMERIC = {"dur": Field.DURATION, "sr": Field.SAMPLERATE, "ch": Field.CHANNELS,
           "bits": Field.BIT_DEPTH}  # fmt: skip


def condition(f: Filter) -> Condition:
    if f.key == "dur":
        return Condition(Field.DURATION, f.op, number(f.value, "dur"))
    if f.key == "sr":
        hz = number(f.value, "sr")
        return Condition(Field.SAMPLERATE, f.op, float(int(hz * 1000 if hz < 1000 else hz)))
    if f.key in NUMERIC:
        return Condition(NUMERIC[f.key], f.op, float(int(number(f.value, f.key))))
    if f.key == "ext":
        return Condition(Field.EXT, "=", tuple(e for e in f.value.split(",") if e))
    if f.key == "cat":
        return Condition(Field.CATEGORY, "=", f.value)
    if f.key == "tag":
        return Condition(Field.TAG, "=", f.value)
    return Condition(Field.FOLDER, "=", f.value)
