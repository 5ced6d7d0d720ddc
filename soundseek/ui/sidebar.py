"""Left sidebar: library folders with counts and state, and quick filters that edit the query."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

QUICK_FILTERS = {
    "Format": [("any", ""), ("WAV", "ext:wav,bwf"), ("AIFF", "ext:aif,aiff"), ("FLAC", "ext:flac"),
               ("MP3", "ext:mp3"), ("OGG/Opus", "ext:ogg,oga,opus")],
    "Channels": [("any", ""), ("mono", "ch:1"), ("stereo", "ch:2"), ("surround", "ch:>2")],
    "Sample rate": [("any", ""), ("≥ 48 kHz", "sr:>=48k"), ("≥ 96 kHz", "sr:>=96k"),
                    ("≥ 192 kHz", "sr:>=192k")],
    "Duration": [("any", ""), ("< 1 s", "dur:<1s"), ("< 5 s", "dur:<5s"),
                 ("5–30 s", "dur:>=5s dur:<=30s"), ("> 30 s", "dur:>30s"), ("> 5 min", "dur:>5m")],
}  # fmt: skip


class LibraryPanel(QWidget):
    """Folders (add/remove/rescan) and quick filters; emits what the user asked for."""

    add_requested = Signal()
    remove_requested = Signal(str)
    rescan_requested = Signal()
    filters_changed = Signal(str)

    def __init__(self, categories: list[str], parent=None) -> None:
        super().__init__(parent)
        self.folders = QListWidget()
        add, remove, rescan = QPushButton("Add…"), QPushButton("Remove"), QPushButton("Rescan")
        add.clicked.connect(self.add_requested)
        remove.clicked.connect(self._remove)
        rescan.clicked.connect(self.rescan_requested)
        buttons = QHBoxLayout()
        for b in (add, remove, rescan):
            buttons.addWidget(b)
        lib = QGroupBox("Library folders")
        lb = QVBoxLayout(lib)
        lb.addWidget(self.folders)
        lb.addLayout(buttons)
        self.combos: dict[str, QComboBox] = {}
        filters = QGroupBox("Quick filters")
        form = QFormLayout(filters)
        options = {"Category": [("any", "")] + [(c.title(), f"cat:{c}") for c in categories]}
        for name, items in {**options, **QUICK_FILTERS}.items():
            combo = QComboBox()
            for label, token in items:
                combo.addItem(label, token)
            combo.currentIndexChanged.connect(self._emit_filters)
            form.addRow(name, combo)
            self.combos[name] = combo
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(lib, 1)
        box.addWidget(filters)

    def set_folders(self, rows: list[tuple[str, int, str]]) -> None:
        """(path, files, state) per library folder."""
        self.folders.clear()
        for path, count, state in rows:
            item = QListWidgetItem(f"{path}\n   {count} files · {state}")
            item.setData(256, path)
            item.setToolTip(path)
            self.folders.addItem(item)

    def _remove(self) -> None:
        item = self.folders.currentItem()
        if item is not None:
            self.remove_requested.emit(item.data(256))

    def filter_tokens(self) -> str:
        return " ".join(c.currentData() for c in self.combos.values() if c.currentData())

    def _emit_filters(self) -> None:
        self.filters_changed.emit(self.filter_tokens())
