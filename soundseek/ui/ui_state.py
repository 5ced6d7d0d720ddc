"""Window geometry, splitters, columns and search history, kept in SoundSeek's config folder."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QWidget

HISTORY_MAX = 50


class UiState:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def blob(self, key: str) -> QByteArray | None:
        raw = self.data.get(key)
        return QByteArray(base64.b64decode(raw)) if raw else None

    def set_blob(self, key: str, value: QByteArray) -> None:
        self.data[key] = base64.b64encode(bytes(value)).decode("ascii")

    @property
    def history(self) -> list[str]:
        return list(self.data.get("history", []))

    def remember(self, query: str) -> None:
        q = query.strip()
        if q:
            hist = [h for h in self.history if h != q]
            self.data["history"] = [q, *hist][:HISTORY_MAX]

    def restore_layout(self, window: QWidget, parts: dict, default: tuple[int, int]) -> None:
        """The window's geometry (the default size when none was kept) and its parts' state
        (splitters, header) as last kept."""
        geo = self.blob("geometry")
        if geo is None or not window.restoreGeometry(geo):
            window.resize(*default)
        for key, part in parts.items():
            blob = self.blob(key)
            if blob is not None:
                part.restoreState(blob)

    def keep_layout(self, window: QWidget, parts: dict) -> None:
        self.set_blob("geometry", window.saveGeometry())
        for key, part in parts.items():
            self.set_blob(key, part.saveState())

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data), encoding="utf-8")
