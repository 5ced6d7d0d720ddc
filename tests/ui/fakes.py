"""Stand-ins the window's controllers accept in place of the results table's selection."""

from __future__ import annotations


class Selection:
    """Fixed hits, as `ResultsSelection` hands them out (the first is the current one)."""

    def __init__(self, hits: list) -> None:
        self.hits = hits

    def current_hit(self):
        return self.hits[0] if self.hits else None

    def selected_hits(self) -> list:
        return list(self.hits)
