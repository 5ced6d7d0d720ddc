"""How two contents of the index relate: the typed record the print index stores and finds."""

from __future__ import annotations

from dataclasses import dataclass

IDENTICAL, RECORDING, CONTAINED = "identical", "recording", "contained"
LEVELS = (IDENTICAL, RECORDING, CONTAINED)  # tightest first; a level admits those before it


@dataclass(frozen=True)
class Relation:
    """Two contents found to hold one sound. For CONTAINED, `inner` starts `offset_s` seconds
    into `outer`; for RECORDING the offset is where `inner` lines up in `outer` (a trim or
    padding: small, either sign). `score` is the check's correlation (1.0: the same audio)."""

    outer: str
    inner: str
    level: str
    offset_s: float = 0.0
    score: float = 1.0
