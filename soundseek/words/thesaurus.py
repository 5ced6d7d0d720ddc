"""Other ways of saying a query word: a curated sound-effects thesaurus and the UCS list.

- `resources/thesaurus/sfx.json`: `synonyms` (sets whose members all mean each other),
  `related` (a query word → kinds a sound designer accepts: gunshot → pistol, rifle), and
  `lemmas` (inflections the dictionary lemmatizer misses).
- The shipped UCS list: a word among a subcategory's synonyms (or, more weakly, in its
  explanation) points at the files carrying that CatID. Not at the whole category: "cat" is
  a UCS synonym under ANIMALS and MACHINES, and every dog is not a cat.
  UCS synonym lists are broad ("car" is a synonym in 32 subcategories), so a word's weight
  shrinks with the number of categories it points at and very common ones point nowhere.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache

from soundseek.metadata.text import chunks, words
from soundseek.paths import resources_dir

_LETTERS = re.compile(r"[^\W\d_]+")  # the words of a thesaurus entry (all lowercase already)
SYNONYM_WEIGHT = 0.7
RELATED_WEIGHT = 0.55
UCS_CATID_WEIGHT = 0.5
EXPLANATION_WEIGHT = 0.25
MAX_UCS_CATEGORIES = 3  # a synonym of more categories than this says nothing about a sound


@dataclass(frozen=True)
class Expansion:
    """Another way to match a query word: the words (a phrase when several), how much a match
    counts against the word itself (1.0), and why it applies, for the hit's explanation."""

    terms: tuple[str, ...]
    weight: float
    reason: str  # "synonym" | "related" | "UCS <CatID>" ...


@dataclass(frozen=True)
class _Ucs:
    catid: str
    category: str


class Thesaurus:
    """Lookups by lowercase word; the terms it returns are raw words (the caller lemmatizes)."""

    def __init__(self, curated: dict, catalog) -> None:
        self.synonyms: dict[str, set[str]] = defaultdict(set)
        for group in curated.get("synonyms", []):
            for w in group:
                self.synonyms[w].update(g for g in group if g != w)
        self.related = {k: list(v) for k, v in curated.get("related", {}).items()}
        for w, mates in self.synonyms.items():  # "gunfire" relates to what "gunshot" does
            if w not in self.related:
                found = [r for m in sorted(mates) for r in self.related.get(m, [])]
                if found:
                    self.related[w] = list(dict.fromkeys(found))
        self.catalog = catalog
        self.by_synonym: dict[str, list[_Ucs]] = defaultdict(list)
        for c in catalog.by_catid.values():
            for s in c.synonyms:
                self.by_synonym[s.lower()].append(_Ucs(c.catid, c.category))

    @cached_property
    def by_explanation(self) -> dict[str, list[_Ucs]]:
        """Made on first use: most query words are settled by synonyms (saves a shell ~0.1 s)."""
        out: dict[str, list[_Ucs]] = defaultdict(list)
        for c in self.catalog.by_catid.values():
            for w in set(words(c.explanation)):
                if len(w) >= 4 and w.isalpha():
                    out[w].append(_Ucs(c.catid, c.category))
        return out

    def expand(self, word: str) -> list[Expansion]:
        """Every expansion of one query word (lowercase, as typed or its lemma)."""
        same = sorted(self.synonyms.get(word, ()))
        out = [Expansion(_terms(s), SYNONYM_WEIGHT, "synonym") for s in same]
        out += [Expansion(_terms(r), RELATED_WEIGHT, "related") for r in self.related.get(word, ())]
        return out + self._ucs(word)

    def _ucs(self, word: str) -> list[Expansion]:
        refs = self.by_synonym.get(word, [])
        weight, how = UCS_CATID_WEIGHT, "UCS"
        if not refs:
            refs = self.by_explanation.get(word, [])
            weight, how = EXPLANATION_WEIGHT, "UCS explanation"
        cats = {r.category for r in refs}
        if not refs or len(cats) > MAX_UCS_CATEGORIES:
            return []
        return [Expansion((r.catid.lower(),), weight / len(refs), f"{how} {r.catid}")
                for r in refs]  # fmt: skip


def _terms(text: str) -> tuple[str, ...]:
    return tuple(w for parts in chunks(text) for w in parts)


@lru_cache(maxsize=1)
def curated() -> dict:
    path = resources_dir() / "thesaurus" / "sfx.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    """The process's thesaurus (the curated file and the UCS list are read once)."""
    from soundseek.metadata.ucs import load_catalog

    return Thesaurus(curated(), load_catalog())


@lru_cache(maxsize=1)
def lemma_overrides() -> dict[str, str]:
    return {k.lower(): v.lower() for k, v in curated().get("lemmas", {}).items()}


@lru_cache(maxsize=1)
def thesaurus_words() -> frozenset[str]:
    """Every single word the thesaurus and the UCS list may put in a query (for a library's
    lexicon: its forms are then looked up, not lemmatized, at query time)."""
    t = thesaurus()
    phrases = [*t.synonyms, *(m for ms in t.synonyms.values() for m in ms), *t.related,
               *(r for rs in t.related.values() for r in rs), *t.by_synonym]  # fmt: skip
    catids = [r.catid.lower() for refs in t.by_synonym.values() for r in refs]
    return frozenset(w for p in [*phrases, *catids] for w in _LETTERS.findall(p.lower()))


def lemma_digest() -> str:
    """Changes when the lemma fixes change (stored words then change: the index rebuilds)."""
    import hashlib

    raw = json.dumps(sorted(lemma_overrides().items())).encode()
    return hashlib.blake2b(raw, digest_size=4).hexdigest()
