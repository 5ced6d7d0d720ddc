"""What moves a query, as the shells hand it over (no numpy here: the application layer
re-exports it and must stay cheap to import). The arithmetic is in search.vector_steering."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Steer:
    """How to move a query: text to add (`--plus`), text to take away (`--minus`), files
    marked good and bad (paths)."""

    plus: str = ""
    minus: str = ""
    good: tuple[str, ...] = ()
    bad: tuple[str, ...] = ()


NONE = Steer()
