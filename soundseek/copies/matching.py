"""Finding a new content's copies among those already printed: landmark candidates from the
print index, each checked on the audio at the alignment the hashes agree on, and named.

A candidate needs MIN_AGREE hashes on one offset and, of the hashes both prints could share,
MIN_SHARE; the audio check (audio.alignment) decides. The relation is CONTAINED when the
shorter sound lies inside the longer and is clearly shorter (by CONTAIN_EXTRA_S and a quarter
of the longer), else the same RECORDING (trims and padding included).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from soundseek.audio.alignment import Check, aligned_check
from soundseek.audio.soundprint import SoundPrint, frame_seconds, keep_subset
from soundseek.errors import SoundSeekError
from soundseek.index.prints.printindex import Item, PrintIndex, Session
from soundseek.index.prints.relations import CONTAINED, RECORDING, Relation

log = logging.getLogger(__name__)

MIN_AGREE, MIN_SHARE = 5, 0.05
VERIFY_MIN = 0.85  # log-mel correlation at the alignment (see benchmarks/bench_dupes.py)
WAVE_MIN = 0.955  # waveform correlation there, piece by piece: a copy keeps it (an Ogg
# Vorbis one 0.97 or more, MP3 0.99), another strike of one drum or bell does not (0.43-0.95)
CONTAIN_EXTRA_S, CONTAIN_RATIO = 1.0, 0.75
EDGE_S = 0.15  # how far a "contained" sound may stick out of its container (fades, padding)
CANDIDATES = 32  # checked at most per new sound (its other copies, best first)

PathOf = Callable[[str], "str | None"]  # a readable file holding a content, or None
Report = Callable[["Candidate", Check], None]  # every checked candidate (benchmarks)


@dataclass(frozen=True)
class Candidate:
    item: Item
    agree: int
    offset_s: float  # where the new sound's start lies in the stored one


def candidates(index: PrintIndex | Session, p: SoundPrint) -> list[Candidate]:
    """Stored contents sharing enough hashes with `p` at one offset, best first."""
    out = []
    for item, agree, frames in index.candidates(p.hashes, CANDIDATES, MIN_AGREE):
        shared = min(len(keep_subset(p.hashes, item.stride)), item.hashes)
        if shared and agree / shared >= MIN_SHARE:
            out.append(Candidate(item, agree, frames * frame_seconds()))
    return out


def relation(content: str, duration: float, c: Candidate, score: float) -> Relation:
    """Name the relation of a new content to a checked candidate."""
    other, offset = c.item, c.offset_s
    if _inside(offset, duration, other.duration):
        return Relation(other.content, content, CONTAINED, offset, score)
    if _inside(-offset, other.duration, duration):
        return Relation(content, other.content, CONTAINED, -offset, score)
    if duration > other.duration:  # outer: the longer, offset: where the other lines up
        return Relation(content, other.content, RECORDING, -offset, score)
    return Relation(other.content, content, RECORDING, offset, score)


def _inside(offset: float, inner: float, outer: float) -> bool:
    clearly_shorter = outer - inner >= CONTAIN_EXTRA_S and inner <= CONTAIN_RATIO * outer
    return clearly_shorter and offset >= -EDGE_S and offset + inner <= outer + EDGE_S


def accepted(check: Check) -> bool:
    return check.mel >= VERIFY_MIN and check.wave >= WAVE_MIN


def find_relations(content: str, p: SoundPrint, index: PrintIndex | Session, path_of: PathOf,
                   report: Report | None = None) -> list[Relation]:  # fmt: skip
    """The relations of a new content to stored ones, each checked on the audio; a candidate
    whose files cannot be read now is left (it is compared again when either is printed)."""
    here = path_of(content)
    if here is None:
        return []
    found = []
    for c in candidates(index, p):
        if c.item.content == content:
            continue
        there = path_of(c.item.content)
        if there is None:
            continue
        rel = relation(content, p.duration, c, 0.0)
        outer, inner = (here, there) if rel.outer == content else (there, here)
        inner_s = p.duration if rel.inner == content else c.item.duration
        try:
            check = aligned_check(outer, inner, rel.offset_s, inner_s)
        except (SoundSeekError, OSError) as exc:
            log.info("copy check skipped (%s): %s", there, exc)
            continue
        if report is not None:
            report(c, check)
        if accepted(check):  # the waveforms place the copy to the sample
            exact = replace(c, offset_s=c.offset_s + (check.shift_s if rel.inner == content
                                                      else -check.shift_s))  # fmt: skip
            found.append(relation(content, p.duration, exact, round(min(check.mel, check.wave), 4)))
    return found
