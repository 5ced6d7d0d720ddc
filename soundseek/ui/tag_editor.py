"""The tag field under the preview: type a tag and press Enter to tag every selected file;
the selection's tags are chips (× removes from all of them), learned guesses are grey chips
("bird?": click to accept)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLineEdit, QToolButton, QWidget

if TYPE_CHECKING:
    from soundseek.app.review_lists import FileNotes

MAX_CHIPS = 12  # more would push the field off a narrow preview


class TagEditor(QWidget):
    add_requested = Signal(str)
    remove_requested = Signal(str)
    accept_requested = Signal(str)  # a learned guess the user clicked

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.field = QLineEdit(objectName="tags")
        self.field.setPlaceholderText("Add a tag (T)")
        self.field.setToolTip("Type a tag and press Enter: every selected file gets it (T)")
        self.field.setMinimumWidth(160)
        self.field.setMaximumWidth(260)
        self.known = QStringListModel(self)
        completer = QCompleter(self.known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.field.setCompleter(completer)
        self.field.returnPressed.connect(self._enter)
        self.chips: list[QToolButton] = []
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.field)
        self.row.addStretch(1)
        self.files = 0

    def set_known(self, tags: list[str]) -> None:
        """Tags already in the library, for completion."""
        self.known.setStringList(tags)

    def show_files(self, notes: list[FileNotes | None]) -> None:
        """Chips for the selected files: each tag with how many of them carry it."""
        self.files = len(notes)
        have = Counter(t for n in notes if n is not None for t in n.tags)
        guessed = Counter(g.tag for n in notes if n is not None for g in n.suggested_tags)
        self._clear()
        for tag in sorted(have)[:MAX_CHIPS]:
            part = "" if have[tag] == len(notes) else f" ({have[tag]}/{len(notes)})"
            self._chip(f"{tag}{part} ×", f"Remove “{tag}” from the selected files",
                       lambda _c=False, t=tag: self.remove_requested.emit(t))  # fmt: skip
        for tag in sorted(guessed)[: max(0, MAX_CHIPS - len(have))]:
            chip = self._chip(f"{tag}?", "Learned: click (or A) to accept, R rejects",
                              lambda _c=False, t=tag: self.accept_requested.emit(t))  # fmt: skip
            chip.setStyleSheet("color: gray; font-style: italic;")

    def chip_texts(self) -> list[str]:
        return [c.text() for c in self.chips]

    def _chip(self, text: str, tip: str, on_click) -> QToolButton:
        chip = QToolButton(text=text, toolTip=tip, autoRaise=True)
        chip.clicked.connect(on_click)
        self.row.insertWidget(self.row.count() - 1, chip)
        self.chips.append(chip)
        return chip

    def _clear(self) -> None:
        for chip in self.chips:
            self.row.removeWidget(chip)
            chip.deleteLater()
        self.chips = []

    def _enter(self) -> None:
        """The window tags the selection and clears the field, or says nothing is selected
        (the text stays)."""
        text = self.field.text().strip()
        if text:
            self.add_requested.emit(text)
