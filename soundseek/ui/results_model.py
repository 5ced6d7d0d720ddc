"""The results table: one row per hit (a hit's copies listed under it on request), sortable,
and a drag source of real local file URLs."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from soundseek.ui.drag_handle import FileDragMime
from soundseek.ui.results_copies import ResultRow, copies_tooltip, copy_hit, name_text

if TYPE_CHECKING:
    from soundseek.app.review_lists import FileNotes
    from soundseek.search.hits import Hit

SORT_ROLE = Qt.ItemDataRole.UserRole
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def duration_text(s: float) -> str:
    m, sec = divmod(s, 60)
    return f"{int(m)}:{sec:05.2f}" if m < 60 else f"{int(m // 60)}:{int(m % 60):02d}:{int(sec):02d}"


def _hit(fn: Callable[[Hit], object]) -> Callable[[Hit, FileNotes | None], object]:
    """A column that needs only the hit."""
    return lambda h, _n: fn(h)


def _name(h: Hit) -> str:
    return os.path.basename(h.path)


def _sound(h: Hit) -> str:
    return "" if h.sound is None else f"{h.sound:.0%}"


def _f(key: str):
    return lambda h, _n: getattr(h.file, key)


def _suggested(n: FileNotes | None) -> str:
    s = n.suggestion if n is not None else None
    return f"{s.name} {s.confidence:.0%}" if s is not None else ""


def _tags(n: FileNotes | None) -> str:
    """The file's tags, then learned guesses marked "?" (A accepts them, R rejects them)."""
    if n is None:
        return ""
    return ", ".join([*n.tags, *(f"{g.tag}?" for g in n.suggested_tags)])


def _catid(h: Hit, n: FileNotes | None) -> str:
    """An accepted category shows at once, before the rows are searched again."""
    return n.catid if n is not None and n.catid else h.file.catid


# (header, display(hit, notes), sort key(hit, notes)); notes arrive after the hits, or never
COLUMNS: list[tuple[str, Callable[[Hit, FileNotes | None], object], Callable]] = [
    ("Name", _hit(_name), _hit(lambda h: _name(h).lower())),
    ("Relevance", _hit(lambda h: f"{h.score:.2f}"), _hit(lambda h: h.score)),
    ("Sound", _hit(_sound), _hit(lambda h: h.sound or 0.0)),
    ("Duration", _hit(lambda h: duration_text(h.file.duration)), _f("duration")),
    ("Format", _hit(lambda h: h.file.ext.upper()), _f("ext")),
    ("Rate", _hit(lambda h: f"{h.file.samplerate / 1000:g} k"), _f("samplerate")),
    ("Ch", _f("channels"), _f("channels")),
    ("Category", lambda h, n: _catid(h, n) or h.file.category, _catid),
    ("Suggested category", lambda _h, n: _suggested(n),
     lambda _h, n: n.suggestion.confidence if n is not None and n.suggestion else -1.0),
    ("Tags", lambda _h, n: _tags(n), lambda _h, n: _tags(n).lower()),
    ("Description", _f("description"), _f("description")),
    ("Folder", _f("libfolder"), _hit(lambda h: h.file.libfolder.lower())),
    ("Modified", _hit(lambda h: _mtime(h)), _f("mtime_ns")),
]  # fmt: skip
SUGGESTED_COLUMN = 8
RANKED_COLUMNS = (1, 2)  # relevance and sound: a hit's, not its copies'
TAGS_COLUMN = 9


def _mtime(h: Hit) -> str:
    ns = h.file.mtime_ns
    return datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d") if ns else ""


_ITALIC = QFont()
_ITALIC.setItalic(True)
_SUGGESTION_GREY = QColor(140, 140, 140)
_BOLD = QFont()
_BOLD.setBold(True)
_WEAKER_GREY = QColor(150, 150, 150)


class ResultsModel(QAbstractTableModel):
    """Hits in relevance order; `drag_paths` maps a hit to the files a DAW should receive.
    Review notes (category, suggestions, tags) arrive later, by content hash. `rows` are what
    is shown: the hits, and under a hit whose copies were asked for, those copies."""

    def __init__(self, drag_paths: Callable[[Hit], list[str]] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.hits: list[Hit] = []
        self.rows: list[ResultRow] = []
        self.expanded: set[int] = set()  # id() of the hits whose copies are listed
        self.notes: dict[str, FileNotes] = {}
        self.good: frozenset[str] = frozenset()  # paths marked good (feedback): shown bold
        self.weaker = 0  # hits below the divider: greyed (strong matches come first by rank)
        self.drag_paths = drag_paths or (lambda h: [h.path])

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.rows = [ResultRow(h, None, i) for i, h in enumerate(self.hits)]
        self.expanded = set()
        self.weaker = sum(not h.strong for h in self.hits)
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)

    def set_notes(self, notes: dict[str, FileNotes]) -> None:
        """Fresh notes for (some of) the rows: every cell that shows them is redrawn."""
        self.notes = {**self.notes, **notes} if len(self.notes) < 50_000 else dict(notes)
        self._all_changed()

    def set_good(self, paths) -> None:
        self.good = frozenset(paths)
        self._all_changed()

    def _all_changed(self) -> None:
        if self.rows:
            last = self.index(len(self.rows) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    # -- a hit's copies ------------------------------------------------------------------------
    def row_at(self, row: int) -> ResultRow:
        return self.rows[row]

    def is_expanded(self, hit: Hit) -> bool:
        return id(hit) in self.expanded

    def expand(self, hit: Hit) -> None:
        """List the hit's copies right under it (its copy rows are made once per listing)."""
        at = self._row_of(hit)
        if at is None or not hit.copies or self.is_expanded(hit):
            return
        group = self.rows[at].group
        new = [ResultRow(copy_hit(hit, c), hit, group, i + 1) for i, c in enumerate(hit.copies)]
        self.beginInsertRows(QModelIndex(), at + 1, at + len(new))
        self.rows[at + 1 : at + 1] = new
        self.expanded.add(id(hit))
        self.endInsertRows()
        self.dataChanged.emit(self.index(at, 0), self.index(at, 0))

    def collapse(self, hit: Hit) -> None:
        at = self._row_of(hit)
        if at is None or not self.is_expanded(hit):
            return
        n = len(hit.copies)
        self.beginRemoveRows(QModelIndex(), at + 1, at + n)
        del self.rows[at + 1 : at + 1 + n]
        self.expanded.discard(id(hit))
        self.endRemoveRows()
        self.dataChanged.emit(self.index(at, 0), self.index(at, 0))

    def _row_of(self, hit: Hit) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.hit is hit and not r.is_copy), None)

    def place(self, row: int) -> tuple[int, int]:
        """Where a row sorts among equals: its hit's relevance order, then under its hit."""
        r = self.rows[row]
        return r.group, r.position

    def notes_of(self, hit: Hit) -> FileNotes | None:
        return self.notes.get(hit.file.content_hash)

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if section == 0 and self.weaker:  # the divider: strong matches, then these
                return f"Name · {self.weaker} weaker match{'es' if self.weaker > 1 else ''} (grey)"
            return COLUMNS[section][0]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        hit, col = row.hit, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return name_text(row, self.is_expanded(hit))
            if row.is_copy and col in RANKED_COLUMNS:  # ranked as its hit is: said once
                return ""
            return COLUMNS[col][1](hit, self.notes_of(hit))
        if role == SORT_ROLE:  # a copy sorts as its hit does (and then under it: `place`)
            ranked = row.of or hit
            return COLUMNS[col][2](ranked, self.notes_of(ranked))
        if role == HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            copies = copies_tooltip(row) if col == 0 else ""
            return f"{copies}\n\n{self._tooltip(hit, col)}" if copies else self._tooltip(hit, col)
        if col == SUGGESTED_COLUMN and role == Qt.ItemDataRole.FontRole:
            return _ITALIC
        if role == Qt.ItemDataRole.FontRole and hit.path in self.good:
            return _BOLD
        if role == Qt.ItemDataRole.ForegroundRole and not hit.strong:
            return _WEAKER_GREY
        if col == SUGGESTED_COLUMN and role == Qt.ItemDataRole.ForegroundRole:
            return _SUGGESTION_GREY
        return None

    def _tooltip(self, hit: Hit, col: int) -> str:
        n = self.notes_of(hit)
        if col == SUGGESTED_COLUMN and n is not None and n.suggestion is not None:
            return f"{n.suggestion.catid}: A accepts, R rejects, E picks another"
        if col == TAGS_COLUMN and n is not None and n.suggested_tags:
            guesses = ", ".join(f"{g.tag} ({g.confidence:.0%})" for g in n.suggested_tags)
            return f"learned: {guesses} — A accepts, R rejects"
        why = "".join(f"\n{w}" for w in hit.why)  # words that stood in for the query's
        mark = "\nmarked good: results lean toward it" if hit.path in self.good else ""
        sure = f"{hit.confidence:.0%} sure" + ("" if hit.strong else ", a weaker match")
        return f"{hit.path}\nmatched: {', '.join(hit.matched) or '-'} ({sure}){why}{mark}"

    def flags(self, index):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def supportedDragActions(self):
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes) -> QMimeData:
        """Real local paths as file URLs (never macOS /.file/id= references), one per row."""
        hits = [self.rows[r].hit for r in sorted({i.row() for i in indexes})]
        return FileDragMime(lambda: [os.path.abspath(p) for h in hits for p in self.drag_paths(h)])
