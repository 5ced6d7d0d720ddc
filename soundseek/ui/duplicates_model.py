"""The Duplicates view's tree: one row per copy group ("3 copies · same recording" with the
keeper's name and the space the others take), under it one row per file, the keeper first
and starred. The user's choice of keeper is kept here, per group, across reloads: it is what
the actions leave in place."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel

from soundseek.ui.results_copies import CONTAINED, IDENTICAL, LEVELS, level_word
from soundseek.ui.results_model import duration_text

if TYPE_CHECKING:
    from soundseek.copies.groups import Copy, CopyGroup

HEADERS = ("Keep", "Name", "Folder", "Relation", "Offset", "Format", "Rate", "Bit depth", "Ch",
           "Duration", "Size")  # fmt: skip
GROUP_ROLE = Qt.ItemDataRole.UserRole + 10
COPY_ROLE = Qt.ItemDataRole.UserRole + 11
KEEPER_MARK = "★"
_BOLD = QFont()
_BOLD.setBold(True)
_HIDDEN_GREY = QColor(130, 130, 130)


def size_text(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def offset_text(c: Copy) -> str:
    """Where a region sits: "at 12.30 s" into the keeper, or the keeper inside this file."""
    if c.offset_s is None or c.level != CONTAINED:
        return ""
    return f"at {c.offset_s:.2f} s" if c.offset_s >= 0 else f"holds it at {-c.offset_s:.2f} s"


def relation_text(c: Copy, hidden: bool = False) -> str:
    return ("keeper" if c.keeper else level_word(c.level)) + (" · hidden" if hidden else "")


def group_text(g: CopyGroup) -> str:
    """The group row: how many, how alike, which file stays, what the others take up."""
    freed = sum(c.file.size for c in g.others)
    return (f"{len(g.copies)} copies · {level_word(g.level)} · "
            f"{os.path.basename(g.keeper.path)} · others take {size_text(freed)}")  # fmt: skip


def copy_cells(c: Copy, hidden: bool = False) -> list[str]:
    f = c.file
    return [
        KEEPER_MARK if c.keeper else "", os.path.basename(c.path), f.libfolder,
        relation_text(c, hidden),
        offset_text(c), f.ext.upper(),
        f"{f.samplerate / 1000:g} kHz" if f.samplerate else "",
        f"{f.bit_depth}-bit" if f.bit_depth else "—", str(f.channels or ""),
        duration_text(f.duration), size_text(f.size),
    ]  # fmt: skip


def with_keeper(group: CopyGroup, path: str) -> CopyGroup:
    """The group with `path` kept instead: first and starred. The others' relation to it is
    the looser of theirs and its (a region's offset holds only against the keeper it was
    found in, so it is dropped, except for the old keeper, which holds the new one)."""
    chosen = next((c for c in group.copies if c.path == path), None)
    if chosen is None or chosen.keeper:
        return group
    old = group.keeper
    flipped = None if chosen.offset_s is None else -chosen.offset_s
    copies = [replace(chosen, keeper=True, level=IDENTICAL, offset_s=None),
              replace(old, keeper=False, level=chosen.level, offset_s=flipped)]  # fmt: skip
    for c in group.copies:
        if c is chosen or c is old:
            continue
        if chosen.level == IDENTICAL:
            copies.append(c)
        else:
            looser = max(c.level, chosen.level, key=LEVELS.index)
            copies.append(replace(c, level=looser, offset_s=None))
    level = max((c.level for c in copies[1:]), key=LEVELS.index)
    return replace(group, level=level, copies=tuple(copies))


class DuplicatesModel(QStandardItemModel):
    """Groups as rows, their files as children; `keepers` (group id → path) survives reloads.
    Files hidden from results are listed greyed, marked hidden."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.groups: list[CopyGroup] = []
        self.keepers: dict[str, str] = {}
        self.hidden: frozenset[str] = frozenset()

    def set_groups(self, groups: list[CopyGroup], hidden: frozenset[str] = frozenset()) -> None:
        self.hidden = hidden
        self.groups = [with_keeper(g, self.keepers[g.id]) if g.id in self.keepers else g
                       for g in groups]  # fmt: skip
        self.removeRows(0, self.rowCount())
        for g in self.groups:
            self.appendRow(self._group_row(g))

    def _group_row(self, g: CopyGroup) -> list[QStandardItem]:
        head = QStandardItem(group_text(g))
        head.setData(g, GROUP_ROLE)
        head.setFont(_BOLD)
        head.setToolTip("\n".join(c.path for c in g.copies))
        self._fill(head, g)
        rest = [QStandardItem() for _ in HEADERS[1:]]
        for item in (head, *rest):
            item.setEditable(False)
        return [head, *rest]

    def _fill(self, head: QStandardItem, g: CopyGroup) -> None:
        for c in g.copies:
            hidden = c.path in self.hidden
            cells = [QStandardItem(text) for text in copy_cells(c, hidden)]
            for col, item in enumerate(cells):
                item.setData(c, COPY_ROLE)
                item.setEditable(False)
                item.setToolTip(c.path if col else "the copy to keep" if c.keeper else "")
                if c.keeper:
                    item.setFont(_BOLD)
                if hidden:
                    item.setForeground(_HIDDEN_GREY)
            cells[0].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            head.appendRow(cells)

    def group_row(self, index: QModelIndex) -> int:
        """The top-level row of the group an index belongs to (-1: none)."""
        if not index.isValid():
            return -1
        return index.parent().row() if index.parent().isValid() else index.row()

    def group_of(self, index: QModelIndex) -> CopyGroup | None:
        row = self.group_row(index)
        return self.groups[row] if 0 <= row < len(self.groups) else None

    def set_keeper(self, row: int, path: str) -> CopyGroup:
        """Keep `path` in the group at `row`: the rows under it are redrawn, the star moves."""
        g = with_keeper(self.groups[row], path)
        self.groups[row] = g
        self.keepers[g.id] = path
        head = self.item(row, 0)
        head.removeRows(0, head.rowCount())
        head.setText(group_text(g))
        head.setData(g, GROUP_ROLE)
        self._fill(head, g)
        return g
