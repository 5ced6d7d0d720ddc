"""The main window's review part: the Review menu and keys (A accept, R reject, E edit
category, T tag), the tag field and the review lists, wired to the ReviewController. A mixin
of MainWindow, kept apart so the window stays readable; it uses the window's widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog

from soundseek.ui.category_picker import CategoryPicker
from soundseek.ui.results_model import HIT_ROLE


class ReviewActions:
    """Mixed into MainWindow (needs its table, proxy, results, preview, sidebar, review)."""

    def _build_review_menu(self) -> None:
        """The review keys work in the results table (A, R, E, T); the menu shows them."""
        menu = self.menuBar().addMenu("&Review")
        for text, slot in (("Accept suggestion\tA", self.accept_selected),
                           ("Reject suggestion\tR", self.reject_selected),
                           ("Edit category…\tE", self.edit_category),
                           ("Tag selected files…\tT", self.focus_tags)):  # fmt: skip
            menu.addAction(text, slot)
        menu.addSeparator()
        act = QAction("Accept all suggestions above…", self, shortcut=QKeySequence("Ctrl+Shift+A"))
        act.triggered.connect(self.accept_all_above)
        menu.addAction(act)
        self._add_write_actions(menu)

    def _connect_review(self) -> None:
        r = self.review
        self.sidebar.view_requested.connect(r.open_view)
        r.view_ready.connect(self._show_view)
        r.notes_ready.connect(self._notes_ready)
        r.changed.connect(self._review_changed)
        r.message.connect(self._message)
        r.known_tags.connect(self.preview.tags.set_known)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_tags())
        self.preview.tags.add_requested.connect(self._add_tag)
        self.preview.tags.remove_requested.connect(
            lambda t: r.tag(self.selected_hits(), t, on=False)
        )
        self.preview.tags.accept_requested.connect(
            lambda t: r.accept_tag(self.selected_hits(), self.results.notes, t)
        )
        self.keeper.run_finished.connect(lambda _last: r.writes.retry())
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self.focus_tags)

    def _review_key(self, key: int) -> bool:
        """Plain letters in the results: A accept, R reject, E edit category, T tag."""
        slot = {
            Qt.Key.Key_A: self.accept_selected,
            Qt.Key.Key_R: self.reject_selected,
            Qt.Key.Key_E: self.edit_category,
            Qt.Key.Key_T: self.focus_tags,
        }.get(key)
        if slot is not None:
            slot()
        return slot is not None

    def selected_hits(self) -> list:
        """The selected rows' hits, top to bottom (the current row when none is selected)."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        hits = [i.data(HIT_ROLE) for i in rows]
        current = self.current_hit()
        return hits or ([current] if current is not None else [])

    def accept_selected(self) -> None:
        self._decide(self.review.accept)

    def reject_selected(self) -> None:
        self._decide(self.review.reject)

    def _decide(self, decision: Callable) -> None:
        hits = self.selected_hits()
        if hits:
            self._remember_row()
            decision(hits, self.results.notes)

    def _remember_row(self) -> None:
        """A decision may take the selected rows out of a review list: the row that takes
        their place is selected then (see _show_view), so the next key acts on what the
        preview shows."""
        rows = self.table.selectionModel().selectedRows()
        current = self.table.currentIndex()
        first = min((i.row() for i in rows), default=current.row() if current.isValid() else -1)
        self._keep_row = first if first >= 0 else None

    def _add_tag(self, tag: str) -> None:
        """Enter in the tag field: tag the selected files; with none selected, say so and
        keep the text for when a file is."""
        hits = self.selected_hits()
        if not hits:
            self._message(f"No file selected: select the files to tag with “{tag}”, "
                          "then press Enter again")  # fmt: skip
            return
        self.review.tag(hits, tag)
        self.preview.tags.field.clear()

    def edit_category(self) -> None:
        """Pick any UCS category for the selection (starting on the suggested one)."""
        hits = self.selected_hits()
        if not hits:
            return
        n = self.results.notes_of(hits[0])
        start = (n.suggestion.catid if n.suggestion else n.catid) if n is not None else ""
        choices = [(c.catid, c.name) for c in self.app.ucs_subcategories()]
        picker = CategoryPicker(choices, len(hits), start, self)
        if picker.exec() and picker.chosen():
            self._remember_row()
            self.review.set_category(hits, picker.chosen())

    def accept_all_above(self) -> None:
        percent, ok = QInputDialog.getInt(
            self, "Accept suggestions",
            "Accept the top UCS suggestion of every uncategorised file\n"
            "that is at least this confident (%):", 80, 1, 100,
        )  # fmt: skip
        if ok:
            self.review.accept_above(percent / 100)

    def focus_tags(self) -> None:
        self.preview.tags.field.setFocus()
        self.preview.tags.field.selectAll()

    def _leave_view(self) -> None:
        """The user searches again: the review list gives way to the results."""
        self.review.view = None
        self.sidebar.show_view(None)

    def _show_view(self, result, label: str) -> None:
        self.show_results(result, label)
        self.sidebar.show_view(self.review.view, len(result.hits))
        row, self._keep_row = self._keep_row, None
        if row is not None and self.proxy.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.proxy.index(min(row, self.proxy.rowCount() - 1), 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _notes_ready(self, notes: dict) -> None:
        self.results.set_notes(notes)
        self._update_tags()

    def _review_changed(self) -> None:
        """A decision was saved (or learned tags changed): show it in the rows at once."""
        if self.review.view:
            self.review.open_view(self.review.view)
        else:
            self.review.load_notes(self.results.hits)

    def _update_tags(self) -> None:
        self.preview.tags.show_files([self.results.notes_of(h) for h in self.selected_hits()])
