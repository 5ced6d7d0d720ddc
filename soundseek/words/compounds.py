"""Run-together names: `woodcutting`, `gameover`, `doorcreak` hold two words.

A word is split only into parts the dictionary knows, each at least three letters and none a
bare suffix, so `catapult`, `hornet` and `training` stay whole (no `cat`, `horn` or `rain`
inside them). At index time only words the dictionary does not know are split (`rainstorm`
is a word and stays one); at query time the split is an extra phrase alternative (both parts,
side by side), so it can only find files that hold both words.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from soundseek.metadata.text import words
from soundseek.words.analysis import STOP_WORDS, is_known, lemma

MIN_PART = 3
MIN_WORD = 6
SHORT_TAILS = frozenset({"up", "on"})  # powerup, pickup, turnon
# Word endings the dictionary lists as words of their own
# fmt: off
NOT_PARTS = frozenset((
    "ing", "ings", "ed", "er", "ers", "est", "ness", "less", "ful", "ly", "ism", "ist", "ish",
    "ous", "ion", "ions", "ity", "able", "ible", "ment", "ments", "ant", "ent", "age", "ages",
))
# fmt: on


@lru_cache(maxsize=100_000)
def split_compound(word: str) -> tuple[str, str] | None:
    """The best split of a word into two dictionary words, or None."""
    from soundseek.words.thesaurus import thesaurus_words

    return split_with(word, is_known, thesaurus_words())


def split_with(
    word: str, known: Callable[[str], bool], sound_words: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """A split of a word into two parts `known` accepts, or None (a query splits into words
    of the library, which needs no dictionary). Parts that are sound words win (`wardrums`
    is war + drums, not ward + rums), then the most even split."""
    if len(word) < MIN_WORD - 1 or not word.isalpha():
        return None
    best, best_rank = None, (-1, -1)
    for i in range(MIN_PART, len(word) - 1):
        head, tail = word[:i], word[i:]
        if not (_part(head, known) and _tail(tail, known)):
            continue
        rank = ((head in sound_words) + (tail in sound_words), min(len(head), len(tail)))
        if rank > best_rank:
            best, best_rank = (head, tail), rank
    return best


def _tail(w: str, known: Callable[[str], bool]) -> bool:
    return w in SHORT_TAILS or (len(w) >= MIN_PART and _part(w, known))


def _part(w: str, known: Callable[[str], bool]) -> bool:
    return w not in NOT_PARTS and w not in STOP_WORDS and known(w)


def index_parts(word: str) -> tuple[str, ...]:
    """Extra words to index for a name word: its parts' lemmas when the word is not one the
    dictionary knows and splits cleanly (`gameover` → game, over)."""
    if is_known(word):
        return ()
    found = split_compound(word)
    return tuple(lemma(p) for p in found) if found else ()


def compound_parts(text: str) -> list[str]:
    """The parts of a text's run-together words the dictionary does not know (`gameover` →
    game, over). Stored apart, at a low weight: a file named `thunderstick` may answer
    "thunder", but after every file that says thunder as a word."""
    return [p for w in words(text) for p in index_parts(w)]
