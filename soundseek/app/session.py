"""One search session as a shell keeps it: an optional reference sound ("More like this"),
which typed text then modifies, and the hits marked good or bad. Qt-free, so the GUI's
behaviour is tested without a window."""

from __future__ import annotations

from dataclasses import dataclass, field

from soundseek.search.steer_request import Steer


@dataclass
class Reference:
    path: str
    region: tuple[float, float] | None = None


@dataclass
class SearchSession:
    reference: Reference | None = None
    good: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)

    def start_like(self, path: str, region: tuple[float, float] | None = None) -> None:
        """A new reference sound; marks from before no longer apply."""
        self.reference = Reference(path, region)
        self.good.clear()
        self.bad.clear()

    def clear(self) -> None:
        self.reference = None
        self.good.clear()
        self.bad.clear()

    def mark(self, path: str, good: bool) -> bool:
        """Toggle a mark (marking good un-marks bad and back); returns whether it is set."""
        mine, other = (self.good, self.bad) if good else (self.bad, self.good)
        if path in other:
            other.remove(path)
        if path in mine:
            mine.remove(path)
            return False
        mine.append(path)
        return True

    def steer(self, typed: str) -> Steer:
        """With a reference, typed words move it (-words away); marks always come along."""
        from soundseek.search.query import parse_query  # index records: numpy, at first use

        if self.reference is None:
            return Steer(good=tuple(self.good), bad=tuple(self.bad))
        q = parse_query(typed)
        return Steer(q.text, " ".join(q.excludes), tuple(self.good), tuple(self.bad))

    def run(self, app, typed: str, filters: str, limit: int):
        """The search this session stands for, on the application."""
        steer = self.steer(typed)
        ref = self.reference
        if ref is None:
            return app.search(f"{typed} {filters}".strip(), limit, steer)
        if ref.region is not None:
            a, b = ref.region
            return app.similar_region(ref.path, a, b, limit, filters, steer)
        return app.similar(ref.path, None, limit, filters, steer)
