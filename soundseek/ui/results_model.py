"""The results table: one row per hit, sortable, and a drag source of real local file URLs."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QMimeData, Qt

from soundseek.ui.drag_handle import file_mime

if TYPE_CHECKING:
    from soundseek.search.hits import Hit

SORT_ROLE = Qt.ItemDataRole.UserRole
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def _duration(s: float) -> str:
    m, sec = divmod(s, 60)
    return f"{int(m)}:{sec:05.2f}" if m < 60 else f"{int(m // 60)}:{int(m % 60):02d}:{int(sec):02d}"


def _f(key: str):
    return lambda h: getattr(h.file, key)


COLUMNS: list[tuple[str, Callable[[Hit], object], Callable[[Hit], object]]] = [
    ("Name", lambda h: os.path.basename(h.path), lambda h: os.path.basename(h.path).lower()),
    ("Relevance", lambda h: f"{h.score:.2f}", lambda h: h.score),
    ("Sound", lambda h: "" if h.sound is None else f"{h.sound:.0%}", lambda h: h.sound or 0.0),
    ("Duration", lambda h: _duration(h.file.duration), _f("duration")),
    ("Format", lambda h: h.file.ext.upper(), _f("ext")),
    ("Rate", lambda h: f"{h.file.samplerate / 1000:g} k", _f("samplerate")),
    ("Ch", _f("channels"), _f("channels")),
    ("Category", lambda h: h.file.catid or h.file.category, _f("catid")),
    ("Description", _f("description"), _f("description")),
    ("Folder", _f("libfolder"), lambda h: h.file.libfolder.lower()),
    ("Modified", lambda h: _mtime(h), _f("mtime_ns")),
]


def _mtime(h: Hit) -> str:
    ns = h.file.mtime_ns
    return datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d") if ns else ""


class ResultsModel(QAbstractTableModel):
    """Hits in relevance order; `drag_path` maps a hit to the file a DAW should receive."""

    def __init__(self, drag_path: Callable[[Hit], str] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.hits: list[Hit] = []
        self.drag_path = drag_path or (lambda h: h.path)

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.hits)

    def columnCount(self, parent=None) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][1](hit)
        if role == SORT_ROLE:
            return COLUMNS[index.column()][2](hit)
        if role == HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{hit.path}\nmatched: {', '.join(hit.matched) or '-'}"
        return None

    def flags(self, index):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def supportedDragActions(self):
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes) -> QMimeData:
        """Real local paths as file URLs (never macOS /.file/id= references), one per row."""
        rows = sorted({i.row() for i in indexes})
        return file_mime([os.path.abspath(self.drag_path(self.hits[r])) for r in rows])
