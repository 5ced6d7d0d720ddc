"""Dragging files out to a DAW: the MIME data each platform's DAWs expect, made lazily.

The drag starts the moment the gesture is recognised; the files are asked for only when a
target wants the data (on drop, or when it inspects the drag), which Qt supports on every
platform through `QMimeData.retrieveData` (X11 selection requests, macOS pasteboard
promises, Windows OLE `GetData`). By then the render-ahead has usually made them; if not,
the request waits for the render. Either way the URL names a finished file: a transfer is
published under its name only once written.

Per platform (checked by tests on the QMimeData built for each): file URLs everywhere
(`text/uri-list`: XDND on Linux, `public.file-url` on macOS, `CF_HDROP` on Windows); the
paths as text, in the platform's own spelling; and on Windows `Preferred DropEffect` = copy,
so Explorer-like targets never move the user's file.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QMetaType, QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QPushButton

URI_LIST = "text/uri-list"
TEXT = "text/plain"
WIN_DROP_EFFECT = 'application/x-qt-windows-mime;value="Preferred DropEffect"'
DROPEFFECT_COPY = 1


def _native(path: str, platform: str) -> str:
    return path.replace("/", "\\") if platform == "win32" else path


def _uri_bytes(paths: list[str]) -> bytes:
    return b"".join(QUrl.fromLocalFile(p).toEncoded().data() + b"\r\n" for p in paths)


class FileDragMime(QMimeData):
    """File URLs for `paths()`, computed on the first request and kept for the drag."""

    def __init__(self, paths: Callable[[], list[str]], platform: str = sys.platform) -> None:
        super().__init__()
        self._provide = paths
        self._paths: list[str] | None = None
        self.platform = platform

    def paths(self) -> list[str]:
        if self._paths is None:
            try:
                self._paths = [p for p in self._provide() if p]
            except Exception:  # a failed render must not take the drag (and Qt) down with it
                self._paths = []
                raise
        return self._paths

    def formats(self) -> list[str]:
        extra = [WIN_DROP_EFFECT] if self.platform == "win32" else []
        return [URI_LIST, TEXT, *extra]

    def hasFormat(self, mimetype: str) -> bool:
        return mimetype in self.formats()

    def retrieveData(self, mimetype: str, preferred: QMetaType) -> object:
        if mimetype == WIN_DROP_EFFECT:
            return QByteArray(struct.pack("<I", DROPEFFECT_COPY))
        paths = self.paths()
        if mimetype == URI_LIST:
            if preferred.id() == QMetaType.Type.QVariantList.value:
                return [QUrl.fromLocalFile(p) for p in paths]
            return QByteArray(_uri_bytes(paths))
        if mimetype.startswith(TEXT):
            return "\n".join(_native(p, self.platform) for p in paths)
        return None


def file_mime(paths: list[str], platform: str = sys.platform) -> FileDragMime:
    """MIME data for files already made."""
    return FileDragMime(lambda: list(paths), platform)


class DragHandle(QPushButton):
    """Press and drag to start a copy-drag of whatever `provide()` returns (None: nothing)."""

    def __init__(self, text: str, provide: Callable[[], list[str]],
                 has_sound: Callable[[], bool], parent=None) -> None:  # fmt: skip
        super().__init__(text, parent)
        self.provide = provide  # called only when a target asks for the files
        self.has_sound = has_sound
        self._press: QPoint | None = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag into your DAW: the selected region, or the whole file, "
                        "as the transfer preset beside it makes it")  # fmt: skip

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
        """None when there is nothing to drag (no sound selected)."""
        return FileDragMime(self.provide) if self.has_sound() else None

    def start_drag(self) -> None:
        mime = self.mime()
        if mime is not None:
            drag = QDrag(self)
            drag.setMimeData(mime)
            drag.exec(Qt.DropAction.CopyAction)
