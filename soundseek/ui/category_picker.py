"""Edit category…: pick any UCS subcategory for the selected files, by typing part of its
name or CatID (e.g. "door wood" or "DOORWood")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

CATID = Qt.ItemDataRole.UserRole


class CategoryPicker(QDialog):
    """`choices` are (CatID, "CATEGORY-SUBCATEGORY") pairs; `preselect` a CatID to start on."""

    def __init__(self, choices: list[tuple[str, str]], files: int, preselect: str = "",
                 parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Edit category")
        self.resize(420, 520)
        self.filter = QLineEdit(placeholderText="Type to filter, e.g. door wood")
        self.list = QListWidget()
        for catid, name in choices:
            item = QListWidgetItem(f"{name}    {catid}")
            item.setData(CATID, catid)
            self.list.addItem(item)
            if catid == preselect:
                self.list.setCurrentItem(item)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._accept_first_visible)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(QLabel(f"UCS category for {files} selected file{'s' * (files != 1)}:"))
        box.addWidget(self.filter)
        box.addWidget(self.list, 1)
        box.addWidget(buttons)

    def chosen(self) -> str:
        """The picked CatID ("" if none)."""
        item = self.list.currentItem()
        return item.data(CATID) if item is not None and not item.isHidden() else ""

    def _filter(self, text: str) -> None:
        words = text.lower().replace("-", " ").split()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hay = item.text().lower().replace("-", " ")
            item.setHidden(not all(w in hay for w in words))
            first = first or (None if item.isHidden() else item)
        if first is not None and (self.list.currentItem() is None
                                  or self.list.currentItem().isHidden()):  # fmt: skip
            self.list.setCurrentItem(first)

    def _accept_first_visible(self) -> None:
        if self.chosen():
            self.accept()
