"""Collapsed copies in the results: a hit whose sound is also in other files shows once, with
"×3" after its name and the other files in its tooltip; "Show copies" (or Right) lists them as
indented rows under it, each auditioned, dragged and reviewed like a hit, and Left folds them
back. The rows live in the results model (`ResultRow`); this module says how they read and
what the keys and the context menu do with them."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

if TYPE_CHECKING:
    from soundseek.search.hits import Hit, HitCopy
    from soundseek.ui.results_model import ResultsModel
    from soundseek.ui.results_table import ResultsSelection
    from soundseek.ui.review_controller import ReviewController

# The relation names app.copies speaks (groups' levels, a copy's relation), tightest first.
IDENTICAL, RECORDING, CONTAINED = "identical", "recording", "contained"
LEVELS = (IDENTICAL, RECORDING, CONTAINED)
LEVEL_WORDS = {IDENTICAL: "identical", RECORDING: "same recording", CONTAINED: "region"}
SHOW_KEYS = (Qt.Key.Key_Right,)
HIDE_KEYS = (Qt.Key.Key_Left,)


@dataclass(frozen=True)
class ResultRow:
    """One row of the results: a hit, or (`of` set) another file of that hit's sound.
    `group` is the hit's place in relevance order, `position` the copy's under it (0: the hit):
    sorting keeps a hit's copies right under it, whatever the column."""

    hit: Hit
    of: Hit | None = None
    group: int = 0
    position: int = 0

    @property
    def is_copy(self) -> bool:
        return self.of is not None


def copy_hit(hit: Hit, copy: HitCopy) -> Hit:
    """A copy as a hit of its own (its file, the hit's ranking): the preview, a drag and the
    review keys take it as they take the hit. The matching moment carries over where the copy
    is long enough to hold it."""
    fits = hit.end is None or hit.end <= copy.file.duration + 0.05
    start, end = (hit.start, hit.end) if fits else (None, None)
    return replace(hit, path=copy.path, file=copy.file, start=start, end=end, copies=[])


def level_word(level: str) -> str:
    return LEVEL_WORDS.get(level, level)


def copy_level(row: ResultRow) -> str:
    """How a copy row's file relates to its hit ("identical", "recording")."""
    of = row.of
    return next((c.level for c in of.copies if c.path == row.hit.path), "") if of else ""


def name_text(row: ResultRow, expanded: bool) -> str:
    """The Name cell: "×3" after a hit with copies (▾ when they are listed), a copy indented."""
    name = os.path.basename(row.hit.path)
    if row.of is not None:
        return f"    ↳ {name} · {level_word(copy_level(row))}"
    if not row.hit.copies:
        return name
    return f"{name}   {'▾' if expanded else '▸'} ×{len(row.hit.copies) + 1}"


def copies_tooltip(row: ResultRow) -> str:
    """Which other files hold the sound (for the Name cell's tooltip), and how to list them."""
    if row.of is not None:
        of = os.path.basename(row.of.path)
        return f"{level_word(copy_level(row))} copy of {of}\n{row.hit.path}"
    if not row.hit.copies:
        return ""
    others = "".join(f"\n  {c.path} ({level_word(c.level)})" for c in row.hit.copies)
    n = len(row.hit.copies) + 1
    return f"{n} files hold this sound; the best copy is shown. Others:{others}\n" \
           "Right arrow or “Show copies” lists them, Left folds them"  # fmt: skip


class CopyRows(QObject):
    """Shows and folds the copies of the current hit (keys, context menu); the review notes
    of the rows shown are loaded again so the copies' columns fill in."""

    def __init__(self, results: ResultsModel, selection: ResultsSelection,
                 review: ReviewController, parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.results = results
        self.selection = selection
        self.review = review

    def current(self) -> ResultRow | None:
        idx = self.selection.table.currentIndex()
        if not idx.isValid():
            return None
        return self.results.row_at(self.selection.proxy.mapToSource(idx).row())

    def can_show(self) -> bool:
        row = self.current()
        return row is not None and not row.is_copy and bool(row.hit.copies) and \
            not self.results.is_expanded(row.hit)  # fmt: skip

    def can_hide(self) -> bool:
        row = self.current()
        return row is not None and self.results.is_expanded(row.of or row.hit)

    def show(self) -> bool:
        """List the current hit's copies under it; False when it has none (or they show)."""
        if not self.can_show():
            return False
        self.results.expand(self.current().hit)
        self.review.load_notes([r.hit for r in self.results.rows])
        return True

    def hide(self) -> bool:
        """Fold the copies back into their hit, which becomes the current row."""
        if not self.can_hide():
            return False
        row = self.current()
        hit = row.of or row.hit
        self.results.collapse(hit)
        self.selection.select_hit(hit)
        return True

    def key(self, key: int) -> bool:
        """Right lists the current hit's copies, Left folds them; other keys pass."""
        if key in SHOW_KEYS:
            return self.show()
        if key in HIDE_KEYS:
            return self.hide()
        return False
