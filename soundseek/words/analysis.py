"""Words as the word index stores them and queries ask for them.

Lemmas come from a dictionary lemmatizer (simplemma), not a suffix stemmer: a stemmer maps
"engine" and "engineer" (and "general"/"generate") to one stem, so "engine rumble" found
`engineer_select.wav`. A dictionary only merges real inflections: engines → engine,
footsteps → footstep, creaking → creak. The thesaurus may correct its few misses.
"""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of one lowercase word (unchanged when the dictionary is unsure)."""
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
def is_known(word: str) -> bool:
    """Whether the English dictionary knows the word (typos and run-together names do not)."""
    import simplemma

    return simplemma.is_known(word, lang="en")


def lemmas(text: str) -> list[str]:
    """Every word of a text (names split on case, digits and separators), as lemmas."""
    return [lemma(w) for w in words(text)]


def content_words(text: str) -> list[str]:
    """The words of a query that can carry a match, split like names (BirdChirp asks for
    bird + chirp) and without stop-words (unless there is nothing else)."""
    found = [w for parts in chunks(text) for w in parts]
    kept = [w for w in found if w not in STOP_WORDS]
    return kept or found


def index_terms(text: str) -> list[str]:
    """What the word index stores for a field: lemmas, plus the parts of run-together words
    the dictionary does not know (`gameover` → gameover, game, over)."""
    from soundseek.words.compounds import index_parts

    out: list[str] = []
    for w in words(text):
        out.append(lemma(w))
        out.extend(index_parts(w))
    return out
