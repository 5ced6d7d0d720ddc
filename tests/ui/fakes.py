"""Stand-ins the window's controllers accept: the results table's selection, the preview, and
an app whose `copies` answer from fixed groups (the Duplicates view's tests)."""

from __future__ import annotations

from dataclasses import dataclass

from soundseek.app.changes import LastChange
from soundseek.writing.copy_actions import ActionOutcome


class Selection:
    """Fixed hits, as `ResultsSelection` hands them out (the first is the current one)."""

    def __init__(self, hits: list) -> None:
        self.hits = hits

    def current_hit(self):
        return self.hits[0] if self.hits else None

    def selected_hits(self) -> list:
        return list(self.hits)


class Preview:
    """What the Duplicates view asks of the window's preview: the hits it was shown, and the
    transport keys it passed on."""

    def __init__(self) -> None:
        self.shown: list = []
        self.keys: list[str] = []

    def show_hit(self, hit) -> None:
        self.shown.append(hit)

    def toggle(self) -> None:
        self.keys.append("toggle")

    def play_from_start(self) -> None:
        self.keys.append("start")


class Copies:
    """`app.copies` over fixed groups per level; records what it is asked to do."""

    def __init__(self, groups_by_level: dict[str, list]) -> None:
        self.groups_by_level = groups_by_level
        self.applied: list[tuple[str, list, str | None]] = []
        self.exported: list[tuple[list, str]] = []

    def groups(self, paths=None, level="recording") -> list:
        return list(self.groups_by_level.get(level, []))

    def apply(self, action, groups, dest=None, dry_run=False, cancel=None):
        self.applied.append((action, list(groups), dest))
        for g in groups:
            for c in g.others:
                yield ActionOutcome(c.path, action, "done")

    def export(self, groups, path) -> None:
        self.exported.append((list(groups), path))

    def hidden(self) -> set[str]:
        """The others of the groups hidden (and not undone)."""
        return {c.path for action, groups, _d in self.applied if action == "hide"
                for g in groups for c in g.others}  # fmt: skip


class Writes:
    """`app.writes` with nothing written."""

    def last_write(self) -> tuple[str, int]:
        return "", 0

    def undo_writes(self) -> tuple[str, list]:
        return "", []


@dataclass(frozen=True)
class Undone:
    path: str
    restored: bool
    reason: str = ""


class Changes:
    """`app.changes`: the last action on copies is the newest change; undo puts it back."""

    def __init__(self, copies: Copies) -> None:
        self.copies = copies
        self.undone: list[str] = []

    def last_change(self) -> LastChange | None:
        if not self.copies.applied:
            return None
        action, groups, dest = self.copies.applied[-1]
        return LastChange("batch-1", action, sum(len(g.others) for g in groups), dest or "")

    def undo_last(self) -> tuple[str, list]:
        _action, groups, _dest = self.copies.applied.pop()
        self.undone.append("batch-1")
        return "batch-1", [Undone(c.path, True) for g in groups for c in g.others]


class CopiesApp:
    """The app as the Duplicates view and the undo see it."""

    def __init__(self, copies: Copies) -> None:
        self.copies = copies
        self.writes = Writes()
        self.changes = Changes(copies)
