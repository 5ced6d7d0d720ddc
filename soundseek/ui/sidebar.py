"""Left sidebar: library folders with counts and state, review lists (uncategorised files,
suggestions to review), and quick filters that edit the query."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
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

ROOT_ID = Qt.ItemDataRole.UserRole
ONLINE = Qt.ItemDataRole.UserRole + 1
VIEW_KEY = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class FolderRow:
    """What the folder list shows for one library folder."""

    root_id: str
    path: str
    files: int
    online: bool
    state: str


QUICK_FILTERS = {
    "Format": [("any", ""), ("WAV", "ext:wav,bwf"), ("AIFF", "ext:aif,aiff"), ("FLAC", "ext:flac"),
               ("MP3", "ext:mp3"), ("OGG/Opus", "ext:ogg,oga,opus"),
               ("WavPack/M4A/CAF/WMA", "ext:wv,m4a,aac,caf,wma")],
    "Channels": [("any", ""), ("mono", "ch:1"), ("stereo", "ch:2"), ("surround", "ch:>2")],
    "Sample rate": [("any", ""), ("≥ 48 kHz", "sr:>=48k"), ("≥ 96 kHz", "sr:>=96k"),
                    ("≥ 192 kHz", "sr:>=192k")],
    "Duration": [("any", ""), ("< 1 s", "dur:<1s"), ("< 5 s", "dur:<5s"),
                 ("5–30 s", "dur:>=5s dur:<=30s"), ("> 30 s", "dur:>30s"), ("> 5 min", "dur:>5m")],
}  # fmt: skip


class LibraryPanel(QWidget):
    """Folders (add/remove/rescan/locate), review lists and quick filters; emits what the user
    asked for."""

    add_requested = Signal()
    remove_requested = Signal(str)  # root id
    locate_requested = Signal(str)  # root id of a folder that moved or is offline
    rescan_requested = Signal()
    filters_changed = Signal(str)
    view_requested = Signal(str)  # "uncategorised" | "review"

    def __init__(
        self, categories: list[str], views: dict[str, str] | None = None, parent=None
    ) -> None:
        super().__init__(parent)
        self.folders = QListWidget()
        add, remove, rescan = QPushButton("Add…"), QPushButton("Remove"), QPushButton("Rescan")
        self.locate = QPushButton("Locate…")
        self.locate.setToolTip("This folder moved or its drive has another name: point to it")
        add.clicked.connect(self.add_requested)
        remove.clicked.connect(lambda: self._emit_current(self.remove_requested))
        self.locate.clicked.connect(lambda: self._emit_current(self.locate_requested))
        rescan.clicked.connect(self.rescan_requested)
        self.folders.currentItemChanged.connect(self._update_locate)
        self.folders.itemDoubleClicked.connect(self._double_clicked)
        buttons = QHBoxLayout()
        for b in (add, remove, self.locate, rescan):
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
        box.addWidget(self._views_box(views or {}))
        box.addWidget(filters)

    def _views_box(self, views: dict[str, str]) -> QGroupBox:
        self.views = QListWidget()
        self.view_names = dict(views)
        for key, name in views.items():
            item = QListWidgetItem(name)
            item.setData(VIEW_KEY, key)
            self.views.addItem(item)
        self.views.setMaximumHeight(12 + 22 * max(1, len(views)))
        self.views.itemClicked.connect(lambda item: self.view_requested.emit(item.data(VIEW_KEY)))
        self.views.itemActivated.connect(lambda item: self.view_requested.emit(item.data(VIEW_KEY)))
        group = QGroupBox("Review")
        QVBoxLayout(group).addWidget(self.views)
        return group

    def view_item(self, key: str) -> QListWidgetItem | None:
        for i in range(self.views.count()):
            if self.views.item(i).data(VIEW_KEY) == key:
                return self.views.item(i)
        return None

    def show_view(self, key: str | None, count: int | None = None) -> None:
        """Mark the review list shown (None: a search is shown) and its file count."""
        item = self.view_item(key) if key else None
        if item is None:
            self.views.clearSelection()
            return
        self.views.setCurrentItem(item)
        if count is not None:
            item.setText(f"{self.view_names[key]} ({count})")

    def set_folders(self, rows: list[FolderRow]) -> None:
        current = self.folders.currentItem()
        keep = current.data(ROOT_ID) if current is not None else None
        self.folders.clear()
        for row in rows:
            state = row.state if row.online else "offline — Locate… if it moved"
            item = QListWidgetItem(f"{row.path}\n   {row.files} files · {state}")
            item.setData(ROOT_ID, row.root_id)
            item.setData(ONLINE, row.online)
            item.setToolTip(row.path)
            self.folders.addItem(item)
            if row.root_id == keep:
                self.folders.setCurrentItem(item)
        self._update_locate()

    def _emit_current(self, signal) -> None:
        item = self.folders.currentItem()
        if item is not None:
            signal.emit(item.data(ROOT_ID))

    def _update_locate(self, *_args) -> None:
        item = self.folders.currentItem()
        self.locate.setEnabled(item is not None)
        self.locate.setDefault(item is not None and not item.data(ONLINE))

    def _double_clicked(self, item: QListWidgetItem) -> None:
        if not item.data(ONLINE):
            self.locate_requested.emit(item.data(ROOT_ID))

    def filter_tokens(self) -> str:
        return " ".join(c.currentData() for c in self.combos.values() if c.currentData())

    def _emit_filters(self) -> None:
        self.filters_changed.emit(self.filter_tokens())
