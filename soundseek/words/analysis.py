"""Words as the word index stores them and queries ask for them.

Lemmas come from a dictionary lemmatizer (simplemma), not a suffix stemmer: a stemmer maps
"engine" and "engineer" (and "general"/"generate") to one stem, so "engine rumble" found
`engineer_select.wav`. A dictionary only merges real inflections: engines → engine,
footsteps → footstep, creaking → creak. The thesaurus may correct its few misses.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from soundseek.metadata.text import chunks, words

# Function words never carry a match ("bow and arrow" must not rank files named "and").
# Particles that change a sound's meaning stay searchable: power up/down, switch on/off,
# game over, fade in/out.
# fmt: off
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "had", "has",
    "have", "he", "her", "his", "i", "if", "into", "is", "it", "its", "me", "my", "of", "or",
    "our", "she", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "too", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "without", "you", "your",
))
# fmt: on

MIN_LEMMA_LENGTH = 3  # "ss" → "s" and friends: short words are kept as typed


class Lexicon(Protocol):
    """What a library knows of words: (lemma, in the dictionary) of every dictionary word and
    of its own words, recorded when its word index was made. Looking words up there spares a
    query loading the dictionary (~0.25 s of a shell search)."""

    def lookup(self, word: str) -> tuple[str, bool] | None: ...


def lemma(word: str, lexicon: Lexicon | None = None) -> str:
    """The dictionary form of one word (unchanged when the dictionary is unsure)."""
    found = lexicon.lookup(word.lower()) if lexicon is not None else None
    return found[0] if found else dictionary_lemma(word.lower())


def is_known(word: str, lexicon: Lexicon | None = None) -> bool:
    """Whether the English dictionary knows the word (typos and run-together names do not)."""
    found = lexicon.lookup(word.lower()) if lexicon is not None else None
    return found[1] if found else in_dictionary(word.lower())


@lru_cache(maxsize=200_000)
def dictionary_lemma(word: str) -> str:
    from soundseek.words.thesaurus import lemma_overrides

    w = word.lower()
    fixed = lemma_overrides().get(w)
    if fixed:
        return fixed
    if len(w) < MIN_LEMMA_LENGTH or not w.isalpha():
        return w
    import simplemma

    out = simplemma.lemmatize(w, lang="en").lower()
    return out if out.isalpha() and len(out) >= MIN_LEMMA_LENGTH else w


@lru_cache(maxsize=200_000)
def in_dictionary(word: str) -> bool:
    import simplemma

    return simplemma.is_known(word, lang="en")


def dictionary_rows() -> list[tuple[str, str]]:
    """(form, lemma) of every word the dictionary holds, as `dictionary_lemma` would give
    them: a library's lexicon takes them all, so a query never loads the dictionary."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    from soundseek.words.thesaurus import lemma_overrides

    fixes = lemma_overrides()
    out = {}
    for form, base in DefaultDictionaryFactory().get_dictionary("en").items():
        f, b = form.lower(), base.lower()
        if not f.isalpha() or f in out:
            continue
        ok = b.isalpha() and len(b) >= MIN_LEMMA_LENGTH and len(f) >= MIN_LEMMA_LENGTH
        out[f] = fixes.get(f) or (b if ok else f)
    return list(out.items())


def lemmas(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Every word of a text (names split on case, digits and separators), as lemmas."""
    return [lemma(w, lexicon) for w in words(text)]


def content_words(text: str) -> list[str]:
    """The words of a query that can carry a match, split like names (BirdChirp asks for
    bird + chirp) and without stop-words (unless there is nothing else)."""
    found = [w for parts in chunks(text) for w in parts]
    kept = [w for w in found if w not in STOP_WORDS]
    return kept or found


def index_terms(text: str) -> list[str]:
    """What the word index stores for a field: its words as lemmas."""
    return [lemma(w) for w in words(text)]
