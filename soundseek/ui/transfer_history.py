"""The transfer history: what went where, newest first; reveal a copy or transfer it again
(reused when the copy is still as SoundSeek made it)."""

from __future__ import annotations

import os
import time

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from soundseek.app import App
from soundseek.ui import actions

COLUMNS = ("When", "Preset", "Sound", "Copy", "Format")
SHOWN = 500


class TransferHistoryDialog(QDialog):
    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Transfer history")
        self.resize(900, 420)
        self.app = app
        self.records = list(reversed(app.transfers.records()))[:SHOWN]
        self.table = QTableWidget(len(self.records), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, rec in enumerate(self.records):
            self._fill(row, rec)
        self.table.resizeColumnsToContents()
        self.note = QLabel("" if self.records else "Nothing transferred yet.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.reveal_button = QPushButton("Reveal")
        self.again_button = QPushButton("Transfer again")
        for b in (self.reveal_button, self.again_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        self.reveal_button.clicked.connect(self.reveal)
        self.again_button.clicked.connect(self.again)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.table, 1)
        box.addWidget(self.note)
        box.addWidget(buttons)

    def _fill(self, row: int, rec) -> None:
        bits = "32f" if rec.bits == "32f" else f"{rec.bits}-bit"
        copies = ", ".join(os.path.basename(o.path) for o in rec.outputs)
        cells = (time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.when)), rec.preset or "-",
                 os.path.basename(rec.source), copies,
                 f"{rec.rate / 1000:g} kHz {bits} {rec.channels} ch")  # fmt: skip
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(rec.source if col == 2 else text)
            self.table.setItem(row, col, item)

    def _chosen(self):
        row = self.table.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def reveal(self) -> None:
        rec = self._chosen()
        if rec is not None and rec.outputs:
            actions.reveal(rec.outputs[0].path)

    def again(self) -> None:
        rec = self._chosen()
        if rec is None:
            return
        try:
            done = self.app.transfers.retransfer(rec.id)
        except Exception as exc:  # a TransferError: shown, the dialog stays
            self.note.setText(f"not transferred: {exc}")
            return
        how = "reused" if done.reused else "transferred"
        self.note.setText(f"{how}: {', '.join(done.outputs)}")
