"""The Duplicates view (Library ▸ Find duplicates…): copy groups at the level the user picks,
each file auditioned through the window's preview as it is selected, the keeper chosen, and
the safe actions on the others (hide, move to a folder, move to Trash, export the list, undo).
A window of its own, not modal: the main window stays usable beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from soundseek.ui.duplicates_actions import WORDS, DuplicatesActions
from soundseek.ui.duplicates_model import COPY_ROLE, DuplicatesModel, size_text
from soundseek.ui.elided_label import ElidedLabel
from soundseek.ui.results_copies import CONTAINED, IDENTICAL, RECORDING

if TYPE_CHECKING:
    from soundseek.copies.groups import CopyGroup
    from soundseek.index.tables.records import FileRecord
    from soundseek.ui.preview import PreviewPane
    from soundseek.ui.threads import Tasks
    from soundseek.ui.write_actions import WriteActions

LEVEL_CHOICES = (("Identical audio", IDENTICAL), ("Same recording", RECORDING),
                 ("Contained regions", CONTAINED))  # fmt: skip
COLUMN_WIDTHS = (64, 280, 240, 110, 120, 60, 70, 70, 30, 70, 80)
OFFSET_COLUMN = 4
PLAY_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


@dataclass(frozen=True)
class CopyAudition:
    """A copy as the preview takes a hit: its file, and no query's moment in it (nothing was
    searched for). The preview, a drag and "More like this" read only these."""

    file: FileRecord
    start: float | None = None
    end: float | None = None

    @property
    def path(self) -> str:
        return self.file.path


class DuplicatesDialog(QDialog):
    """Lists, auditions, picks keepers and acts; the work is in DuplicatesActions."""

    def __init__(self, app, tasks: Tasks, preview: PreviewPane, writes: WriteActions,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Duplicates")
        self.preview = preview
        self.writes = writes
        self.loaded = False
        self.actions = DuplicatesActions(app, tasks, self)
        self.model = DuplicatesModel(self)
        self._build()
        self._connect()
        self.resize(1240, 640)

    # -- construction -------------------------------------------------------------------------
    def _build(self) -> None:
        self.level = QComboBox()
        for label, level in LEVEL_CHOICES:
            self.level.addItem(label, level)
        self.level.setCurrentIndex(1)
        self.level.setToolTip(
            "Identical: the same audio. Same recording: also other formats, "
            "rates, gains and trims. Contained: also regions of longer files."
        )
        self.counts = QLabel()
        self.tree = self._make_tree()
        self.keep_button = QPushButton("Keep this one")
        self.keep_button.setToolTip("Keep the selected file instead (K)")
        self.buttons = {action: QPushButton(words.button) for action, words in WORDS.items()}
        self.buttons["trash"].setToolTip("Delete key. Nothing is deleted: Undo puts them back")
        self.export_button = QPushButton("Export list…")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Undo the last change (Ctrl+Z)")
        self.status = ElidedLabel()
        top = QHBoxLayout()
        for w in (QLabel("Show"), self.level):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.counts)
        actions = QHBoxLayout()
        for w in (self.keep_button, *self.buttons.values(), self.export_button):
            w.setAutoDefault(False)  # Enter auditions; it never acts on files
            actions.addWidget(w)
        self.undo_button.setAutoDefault(False)
        actions.addStretch(1)
        actions.addWidget(self.undo_button)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.tree, 1)
        box.addLayout(actions)
        box.addWidget(self.status)

    def _make_tree(self) -> QTreeView:
        tree = QTreeView()
        tree.setModel(self.model)
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(True)
        tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        tree.setAllColumnsShowFocus(True)
        for col, width in enumerate(COLUMN_WIDTHS):
            tree.setColumnWidth(col, width)
        tree.header().setStretchLastSection(False)
        tree.header().setSectionResizeMode(1, tree.header().ResizeMode.Stretch)
        tree.installEventFilter(self)
        return tree

    def _connect(self) -> None:
        self.level.currentIndexChanged.connect(lambda _i: self.reload())
        self.actions.loading.connect(lambda: self.counts.setText("looking for copies…"))
        self.actions.groups_loaded.connect(self._show_groups)
        self.actions.message.connect(self.status.setText)
        self.actions.changed.connect(self.reload)
        self.writes.files_changed.connect(lambda: self.isVisible() and self.reload())
        self.tree.selectionModel().currentChanged.connect(self._audition)
        self.keep_button.clicked.connect(self.keep_current)
        for action, button in self.buttons.items():
            button.clicked.connect(lambda _c=False, a=action: self.act(a))
        self.export_button.clicked.connect(
            lambda: self.actions.export(self.selected_groups(), self)
        )
        self.undo_button.clicked.connect(self.undo)
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.undo)

    # -- what is shown --------------------------------------------------------------------------
    def show_view(self) -> None:
        """Show (or raise) the view; the groups are read when it first opens."""
        self.show()
        self.raise_()
        self.activateWindow()
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        self.actions.load(self.level.currentData())

    def _show_groups(self, groups: list[CopyGroup], hidden: frozenset[str]) -> None:
        self.loaded = True
        current = self.model.group_of(self.tree.currentIndex())
        self.model.set_groups(groups, hidden)
        for row in range(len(groups)):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        self.tree.expandAll()
        regions = any(c.offset_s is not None for g in groups for c in g.copies)
        self.tree.setColumnHidden(OFFSET_COLUMN, not regions)  # only regions have an offset
        files = sum(len(g.copies) for g in groups)
        freed = sum(c.file.size for g in groups for c in g.others)
        self.counts.setText(f"{len(groups)} groups · {files} files · {size_text(freed)} "
                            "in copies besides the keepers" if groups else
                            "no copies found at this level")  # fmt: skip
        self._select_group(next((i for i, g in enumerate(groups)
                                 if current is not None and g.id == current.id), 0))  # fmt: skip
        self.tree.setFocus()

    def _select_group(self, row: int, child: int = 0) -> None:
        if row < self.model.rowCount():
            index = self.model.index(child, 0, self.model.index(row, 0))
            self.tree.setCurrentIndex(index)

    def _audition(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        """The selected file plays as in the results (a group row: its keeper)."""
        c = current.data(COPY_ROLE) if current.isValid() else None
        group = self.model.group_of(current)
        c = c or (group.keeper if group is not None else None)
        if c is not None:
            self.preview.show_hit(CopyAudition(c.file))

    def selected_groups(self) -> list[CopyGroup]:
        """The groups with a selected row (every group when none is), keepers as chosen."""
        rows = {self.model.group_row(i) for i in self.tree.selectionModel().selectedRows()}
        rows.discard(-1)
        return [self.model.groups[r] for r in sorted(rows)] if rows else list(self.model.groups)

    # -- what the user does ---------------------------------------------------------------------
    def keep_current(self) -> None:
        """The selected file becomes its group's keeper: starred, first, left by the actions."""
        index = self.tree.currentIndex()
        c = index.data(COPY_ROLE) if index.isValid() else None
        if c is None:
            self.status.setText("select a file of a group to keep it")
            return
        row = self.model.group_row(index)
        self.model.set_keeper(row, c.path)
        self.tree.expand(self.model.index(row, 0))
        self._select_group(row)
        self.status.setText(f"keeping {c.file.filename}")

    def act(self, action: str) -> None:
        self.actions.apply(action, self.selected_groups(), self)

    def undo(self) -> None:
        self.writes.undo_last_change(self)

    def eventFilter(self, obj, event) -> bool:
        """Space plays or stops, Enter plays from the start, Delete moves the copies of the
        selected groups to Trash (after asking), K keeps the selected file."""
        if obj is not self.tree or event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.preview.toggle()
        elif key in PLAY_KEYS:
            self.preview.play_from_start()
        elif key == Qt.Key.Key_Delete:
            self.act("trash")
        elif key == Qt.Key.Key_K and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.keep_current()
        else:
            return False
        return True

    def closeEvent(self, event) -> None:
        self.actions.shutdown()
        super().closeEvent(event)
