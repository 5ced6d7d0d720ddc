"""What a typed query asks the word index: per query word, the word itself and its weighted
alternatives (lemma, compound split or join, typo correction, thesaurus), each a phrase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from soundseek.words.analysis import Lexicon, content_words, is_known, lemma
from soundseek.words.compounds import split_with
from soundseek.words.thesaurus import Expansion, thesaurus, thesaurus_words

COMPOUND_WEIGHT = 0.85
JOINED_WEIGHT = 0.9
TYPO_WEIGHT = 0.75
TYPO_MIN_LENGTH = 5
TYPO_TWO_EDITS_LENGTH = 9

Vocabulary = Callable[[str], bool]  # is this term in the library?
Nearby = Callable[[str, int], list[str]]  # library terms within n edits


@dataclass(frozen=True)
class Alternative:
    """One way to match a query word: lemmas that must appear side by side in one field."""

    terms: tuple[str, ...]
    weight: float
    reason: str  # "" for the word itself, else why it stands in (shown with the hit)


@dataclass
class WordGroup:
    """A query word (or a quoted phrase) and every way a file may match it; a file scores the
    best of them. `required`: a quoted phrase, which every hit must contain."""

    word: str
    alternatives: list[Alternative] = field(default_factory=list)
    required: bool = False


class WordSource(Lexicon, Protocol):
    """A library's words, as a query plan needs them (the word index is one)."""

    def known(self, term: str) -> bool: ...

    def nearby(self, term: str, edits: int) -> list[str]: ...


def plan_query(
    words: list[str], phrases: list[str], excludes: list[str], library: WordSource
) -> tuple[list[WordGroup], list[tuple[str, ...]]]:
    """A parsed query's word groups and excluded phrases, against one library."""
    groups = plan_words(words, phrases, library.known, library.nearby, library)
    return groups, excluded_terms(excludes, library)


def plan_words(
    words: list[str], phrases: list[str], known: Vocabulary, nearby: Nearby,
    lexicon: Lexicon | None = None,
) -> list[WordGroup]:  # fmt: skip
    """Groups for the positive part of a query; alternatives the library cannot match are
    dropped (`known`), so a query costs only what can find something. `lexicon`: the
    library's own record of word forms (the dictionary is loaded only for words it lacks)."""
    typed = content_words(" ".join(words))
    groups = [_group(w, known, nearby, lexicon) for w in typed]
    _add_joins(typed, groups, known, lexicon)
    groups += [_phrase(p, lexicon) for p in phrases]
    return [g for g in groups if g.alternatives]


def _group(word: str, known: Vocabulary, nearby: Nearby, lexicon: Lexicon | None) -> WordGroup:
    base = lemma(word, lexicon)
    alts = [Alternative((base,), 1.0, "")]
    as_stored = _stored_form(lexicon)
    parts = split_with(word, lambda p: known(as_stored(p)))
    if parts:
        terms = tuple(as_stored(p) for p in parts)
        alts.append(Alternative(terms, COMPOUND_WEIGHT, "compound"))
    expand_as = [word, base]
    if not known(base) and len(word) >= TYPO_MIN_LENGTH and not is_known(word, lexicon):
        edits = 2 if len(word) >= TYPO_TWO_EDITS_LENGTH else 1
        alts += [Alternative((t,), TYPO_WEIGHT, "spelling") for t in nearby(base, edits)]
        expand_as += sound_words_near(word, edits)  # "footstpes" → footsteps → step
    for exp in _expansions(expand_as):
        terms = tuple(lemma(t, lexicon) for t in exp.terms)
        alts.append(Alternative(terms, exp.weight, exp.reason))
    return WordGroup(word, _usable(alts, known))


def sound_words_near(word: str, edits: int) -> list[str]:
    """Thesaurus words within `edits` of a misspelt word: their stand-ins are asked for too
    (the library may hold "steps" but no word near "footstpes")."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    found = process.extract(word, sorted(thesaurus_words()), scorer=OSA.distance,
                            score_cutoff=edits, limit=3)  # fmt: skip
    return [w for w, _, _ in found]


def _stored_form(lexicon: Lexicon | None) -> Callable[[str], str]:
    """A piece of a query word as the library stores it: its recorded lemma, or itself. No
    dictionary: a split is only worth asking for when both parts are the library's words."""
    if lexicon is None:
        return lemma

    def form(piece: str) -> str:
        found = lexicon.lookup(piece)
        return found[0] if found else piece

    return form


def _expansions(forms: list[str]) -> list[Expansion]:
    t = thesaurus()
    found = [e for f in dict.fromkeys(forms) for e in t.expand(f)]
    best: dict[tuple[str, ...], Expansion] = {}
    for e in found:
        if e.terms not in best or e.weight > best[e.terms].weight:
            best[e.terms] = e
    return list(best.values())


def _usable(alts: list[Alternative], known: Vocabulary) -> list[Alternative]:
    """Each distinct phrase once, at its best weight, if every term of it is in the library."""
    best: dict[tuple[str, ...], Alternative] = {}
    for a in alts:
        usable = a.terms and all(known(t) for t in a.terms)
        if usable and (a.terms not in best or a.weight > best[a.terms].weight):
            best[a.terms] = a
    return sorted(best.values(), key=lambda a: -a.weight)


def _add_joins(
    typed: list[str], groups: list[WordGroup], known: Vocabulary, lexicon: Lexicon | None
) -> None:
    """ "foot step" also asks for `footstep`, for both of its words."""
    for i in range(len(typed) - 1):
        joined = lemma(typed[i] + typed[i + 1], lexicon)
        if not known(joined):
            continue
        alt = Alternative((joined,), JOINED_WEIGHT, "joined")
        for g in (groups[i], groups[i + 1]):
            if all(a.terms != alt.terms for a in g.alternatives):
                g.alternatives.append(alt)


def _phrase(text: str, lexicon: Lexicon | None) -> WordGroup:
    terms = tuple(lemma(w, lexicon) for w in content_words(text))
    return WordGroup(text, [Alternative(terms, 1.0, "")] if terms else [], required=True)


def excluded_terms(excludes: list[str], lexicon: Lexicon | None = None) -> list[tuple[str, ...]]:
    """`-word` / `-"two words"` as lemma phrases a hit must not contain."""
    found = (tuple(lemma(w, lexicon) for w in content_words(e)) for e in excludes)
    return [t for t in found if t]
