"""Parse what users type: words, "quoted phrases", -exclusions and field filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from soundseek.errors import QuerySyntaxError
from soundseek.index.tables.filters import (
    Category,
    Condition,
    Extension,
    FileFilter,
    Folder,
    Measure,
    Number,
    Tagged,
)

TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))')
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
    """A query split into what is searched by sound/words and what narrows the results;
    parsed once per search and handed to every stage."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    text: str = field(init=False)  # the positive part, as language for the text encoder
    word_count: int = field(init=False)  # words and phrases, as confidence counts them
    empty: bool = field(init=False)  # nothing to search for and nothing to narrow by
    _filter: FileFilter | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.text = " ".join([*self.words, *self.phrases]).strip()
        self.word_count = len(self.words) + len(self.phrases)
        self.empty = not (self.text or self.filters)

    def file_filter(self) -> FileFilter:
        """The filters as conditions the index compiles and tests (units resolved here; a
        value that is not one raises QuerySyntaxError), made once."""
        if self._filter is None:
            self._filter = FileFilter(tuple(condition(f) for f in self.filters))
        return self._filter


def parse_query(raw: str) -> ParsedQuery:
    words: list[str] = []
    phrases: list[str] = []
    excludes: list[str] = []
    filters: list[Filter] = []
    for neg, key, quoted, bare in TOKEN.findall(raw):
        value = quoted if quoted or not bare else bare
        if key and key.lower() in FILTER_KEYS and not neg:
            filters.append(_filter(key.lower(), value))
            continue
        if key:
            value = f"{key}:{value}"
        if not value.strip():
            continue
        if neg:
            excludes.append(value.lower())
        elif quoted:
            phrases.append(value)
        else:
            words.append(value)
    return ParsedQuery(words, phrases, excludes, filters)


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


def _duration(f: Filter) -> Condition:
    return Number(Measure.DURATION, f.op, number(f.value, f.key))


def _samplerate(f: Filter) -> Condition:
    hz = number(f.value, f.key)  # 96 and 96k both mean 96 kHz
    return Number(Measure.SAMPLERATE, f.op, float(int(hz * 1000 if hz < 1000 else hz)))


def _whole(measure: Measure) -> Callable[[Filter], Condition]:
    return lambda f: Number(measure, f.op, float(int(number(f.value, f.key))))


# What each typed key means: the condition (index.filters) its value becomes.
CONDITIONS: dict[str, Callable[[Filter], Condition]] = {
    "dur": _duration,
    "sr": _samplerate,
    "ch": _whole(Measure.CHANNELS),
    "bits": _whole(Measure.BIT_DEPTH),
    "ext": lambda f: Extension(tuple(e for e in f.value.split(",") if e)),
    "cat": lambda f: Category(f.value),
    "in": lambda f: Folder(f.value),
    "tag": lambda f: Tagged(f.value),
}
FILTER_KEYS = frozenset(CONDITIONS)


def condition(f: Filter) -> Condition:
    return CONDITIONS[f.key](f)
