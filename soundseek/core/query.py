"""Parse what users type: words, "quoted phrases", -exclusions and field filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soundseek.core.errors import QuerySyntaxError
from soundseek.core.store import sql_str

TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))')
FILTER_KEYS = {"dur", "sr", "ch", "ext", "cat", "in", "bits"}
OPS = ("<=", ">=", "<", ">", "=")
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "k": 1000.0, "khz": 1000.0}


@dataclass
class Filter:
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
    return {"dur": "<3s", "sr": ">=96k", "ch": "2", "ext": "wav", "cat": "DOOR", "in": "foley"}.get(
        key, "value"
    )


def number(value: str, key: str, default_unit: float = 1.0) -> float:
    """`3s`, `1.5m`, `500ms`, `96k`, `44.1khz` → seconds or hertz."""
    m = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)", value.strip())
    if not m:
        raise QuerySyntaxError(f"filter {key}: {value!r} is not a number")
    unit = m.group(2).lower()
    if unit and unit not in UNITS:
        raise QuerySyntaxError(f"filter {key}: unknown unit {unit!r}")
    return float(m.group(1)) * (UNITS[unit] if unit else default_unit)


def filter_sql(filters: list[Filter]) -> str:
    """SQL predicate over the files table for all filters (AND); empty when there are none."""
    parts = [_one_sql(f) for f in filters]
    return " AND ".join(f"({p})" for p in parts)


def _cmp(column: str, f: Filter, value: float) -> str:
    return f"{column} {f.op} {value!r}"


def _one_sql(f: Filter) -> str:
    if f.key == "dur":
        return _cmp("duration", f, number(f.value, "dur"))
    if f.key == "sr":
        hz = number(f.value, "sr")
        return _cmp("samplerate", f, int(hz * 1000 if hz < 1000 else hz))
    if f.key in ("ch", "bits"):
        return _cmp("channels" if f.key == "ch" else "bit_depth", f, int(number(f.value, f.key)))
    if f.key == "ext":
        exts = [e.lower().lstrip(".") for e in f.value.split(",") if e]
        return " OR ".join(f"ext = {sql_str(e)}" for e in exts)
    if f.key == "cat":
        term = sql_str(f.value.upper() + "%")
        return f"upper(catid) LIKE {term} OR upper(category) LIKE {term}"
    term = sql_str("%" + f.value.lower() + "%")
    return f"lower(libfolder) LIKE {term}"
