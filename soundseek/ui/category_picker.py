"""Edit category…: pick any UCS subcategory for the selected files, by typing part of its
name or CatID (e.g. "door wood" or "DOORWood").

The list shows only what matches, best first: a typed word that is a whole word of the name
("male" in VOICES-MALE) ranks above one that only starts a word ("voice" in VOICES), which
ranks above one found inside a word ("male" in FEMALE). The highlighted row is what Enter
applies; Up and Down move it without leaving the field."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, Qt
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
WHOLE, START, INSIDE = 3, 2, 1  # how well one typed word matches a choice


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]


def _word_score(word: str, words: list[str], catid: str) -> int:
    if word in words or word == catid:
        return WHOLE
    if any(w.startswith(word) for w in words) or catid.startswith(word):
        return START
    if any(word in w for w in words) or word in catid:
        return INSIDE
    return 0


def rank(query: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (CatID, name) choices every typed word matches, best first (ties keep the
    catalog's order); an empty query keeps them all, in order."""
    typed = _words(query)
    scored = []
    for i, (catid, name) in enumerate(choices):
        words, cid = _words(name), catid.lower()
        scores = [_word_score(w, words, cid) for w in typed]
        if all(scores):
            scored.append((-sum(scores), i, (catid, name)))
    return [c for *_k, c in sorted(scored)]


class CategoryPicker(QDialog):
    """`choices` are (CatID, "CATEGORY-SUBCATEGORY") pairs; `preselect` a CatID to start on."""

    def __init__(self, choices: list[tuple[str, str]], files: int, preselect: str = "",
                 parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Edit category")
        self.resize(420, 520)
        self.choices = choices
        self.filter = QLineEdit(placeholderText="Type to filter, e.g. door wood")
        self.list = QListWidget()
        self._show(choices, preselect)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._accept_highlighted)
        self.filter.installEventFilter(self)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept_highlighted)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(QLabel(f"UCS category for {files} selected file{'s' * (files != 1)}:"))
        box.addWidget(self.filter)
        box.addWidget(self.list, 1)
        box.addWidget(buttons)

    def chosen(self) -> str:
        """The highlighted CatID ("" if none): exactly the row the user sees highlighted."""
        item = self.list.currentItem()
        return item.data(CATID) if item is not None else ""

    def shown(self) -> list[str]:
        """The CatIDs listed, top to bottom."""
        return [self.list.item(i).data(CATID) for i in range(self.list.count())]

    def _show(self, choices: list[tuple[str, str]], current: str = "") -> None:
        self.list.clear()
        for catid, name in choices:
            item = QListWidgetItem(f"{name}    {catid}")
            item.setData(CATID, catid)
            self.list.addItem(item)
            if catid == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and current != "" and self.list.count():
            self.list.setCurrentRow(0)

    def _filter(self, text: str) -> None:
        """Only the matches, best first, the best one highlighted."""
        self._show(rank(text, self.choices))
        if self.list.count() and text.strip():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:
        """Up/Down/PageUp/PageDown in the field move the highlight in the list."""
        keys = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
        if obj is self.filter and event.type() == QEvent.Type.KeyPress and event.key() in keys:
            if self.list.currentItem() is None and self.list.count():
                self.list.setCurrentRow(0)
            else:
                self.list.keyPressEvent(event)
            return True
        return super().eventFilter(obj, event)

    def _accept_highlighted(self) -> None:
        if self.chosen():
            self.accept()
