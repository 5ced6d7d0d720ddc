"""A button you drag from: it hands the DAW the selected region (or the file) as a WAV path."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QPushButton


def file_mime(paths: list[str]) -> QMimeData:
    """Local file URLs plus plain paths: what DAWs and file managers accept."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    mime.setText("\n".join(paths))
    return mime


class DragHandle(QPushButton):
    """Press and drag to start a copy-drag of whatever `provide()` returns (None: nothing)."""

    def __init__(self, text: str, provide: Callable[[], str | None], parent=None) -> None:
        super().__init__(text, parent)
        self.provide = provide
        self._press: QPoint | None = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag into your DAW: the selected region, or the whole file")

    def mousePressEvent(self, event) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        moved = self._press is not None and (
            (event.position().toPoint() - self._press).manhattanLength()
            >= QApplication.startDragDistance()
        )
        if moved and event.buttons() & Qt.MouseButton.LeftButton:
            self._press = None
            self.start_drag()
            return
        super().mouseMoveEvent(event)

    def mime(self) -> QMimeData | None:
        path = self.provide()
        return file_mime([path]) if path else None

    def start_drag(self) -> None:
        mime = self.mime()
        if mime is not None:
            drag = QDrag(self)
            drag.setMimeData(mime)
            drag.exec(Qt.DropAction.CopyAction)
