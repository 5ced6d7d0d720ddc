"""Which way a typed query is searched, decided here and nowhere else.

- Instant (search.from_cache): straight from the word index and the window cache, no LanceDB and
  no torch, so a shell answers in well under a second. Words alone, or words and sound when
  the caller would load a model anyway (the shell: the ONNX text encoder stands in for it).
- Full (search.searcher): the opened index and, when loaded, the model.

The query is parsed here, once; the plan carries it to whichever way runs. An instant way may
still find it cannot answer (no word index yet, no gated ONNX export): then the full way runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from soundseek.search.query import ParsedQuery, parse_query
from soundseek.search.steer_request import NONE, Steer


class Way(Enum):
    WORDS = "instant words"  # the word index only
    SOUND = "instant sound"  # the word index, the window cache and the ONNX text encoder


@dataclass(frozen=True)
class Situation:
    """What the application knows before a search, all cheap to read."""

    ready: bool  # the index is open or a model is loaded: the full way is ready
    shared: bool  # a team library: searched through the full way (it keeps a local copy)
    will_listen: bool  # the caller loads the model for the full way, and it could listen
    # (a model is installed and the index holds vectors): the shell


@dataclass(frozen=True)
class SearchPlan:
    """What to run for one query: an instant way to try first (None: none can answer), then
    the full way, with the model loaded first when `load_model`."""

    query: ParsedQuery
    steer: Steer
    instant: Way | None
    load_model: bool


def plan_search(raw: str, steer: Steer | None, situation: Situation) -> SearchPlan:
    """The plan for a typed query. Feedback (files marked good or bad), an open index and a
    team library go the full way; so do queries without words (filters alone) and tag
    filters (tags live in LanceDB). Instant sound takes no filters: they narrow the sound
    side exactly only the full way. A filter value that is not one (`dur:abc`) raises
    QuerySyntaxError here, before anything is opened or loaded."""
    q = parse_query(raw)
    q.file_filter()
    steer = steer or NONE
    way: Way | None
    if steer.good or steer.bad or situation.ready or situation.shared:
        way = None  # the full way is open (or must be): it answers
    elif not q.text or any(f.key == "tag" for f in q.filters):
        way = None  # the instant ways need words, and have no tags
    elif situation.will_listen:
        way = None if q.filters else Way.SOUND
    else:
        way = Way.WORDS
    return SearchPlan(q, steer, way, situation.will_listen)
