"""Confirm a metadata write: what each file would get, before anything is touched."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)


def _summary(outcome) -> str:
    if outcome.status == "refused":
        return outcome.reason
    parts = [f"{k}: {v}" for k, v in outcome.fields.items() if k in outcome.before]
    if outcome.new_path:
        parts.append(f"→ {os.path.basename(outcome.new_path)}")
    return "; ".join(parts) or outcome.reason


class WriteDialog(QDialog):
    """The dry run's files: planned ones first, then refused ones with their reasons."""

    def __init__(self, outcomes: list, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Write metadata to files")
        planned = [o for o in outcomes if o.status == "planned"]
        refused = [o for o in outcomes if o.status == "refused"]
        same = len(outcomes) - len(planned) - len(refused)
        text = (f"{len(planned)} files will be written (a journaled batch: Review ▸ Undo last "
                f"write puts every byte back). {same} already say it all"
                + (f"; {len(refused)} cannot be written." if refused else "."))  # fmt: skip
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["File", "Change"])
        self.tree.setRootIsDecorated(False)
        for o in planned + refused:
            item = QTreeWidgetItem([os.path.basename(o.path), _summary(o)])
            item.setToolTip(0, o.path)
            item.setDisabled(o.status == "refused")
            self.tree.addTopLevelItem(item)
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.write_button = buttons.addButton(f"Write {len(planned)} files",
                                              QDialogButtonBox.ButtonRole.AcceptRole)  # fmt: skip
        self.write_button.setEnabled(bool(planned))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        label = QLabel(text, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(760, 420)
