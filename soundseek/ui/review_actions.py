"""What the user's review keys and menu entries do (A accept, R reject, E edit category,
T tag, accept all above a confidence), the tag field of the preview and the review lists in the
results. The work itself runs in the ReviewController; this controller picks the files (the
selection), asks, and shows the answers in the rows and the tag field."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from soundseek.app import App
from soundseek.ui.category_picker import CategoryPicker

if TYPE_CHECKING:
    from soundseek.ui.results_model import ResultsModel
    from soundseek.ui.results_table import ResultsSelection
    from soundseek.ui.review_controller import ReviewController
    from soundseek.ui.search_controller import SearchController
    from soundseek.ui.sidebar import LibraryPanel
    from soundseek.ui.tag_editor import TagEditor


class ReviewActions(QObject):
    """The review keys, the tag field and the review lists, over the selected rows."""

    message = Signal(str)

    def __init__(
        self, app: App, review: ReviewController, selection: ResultsSelection,
        results: ResultsModel, tags: TagEditor, sidebar: LibraryPanel, search: SearchController,
        parent: QWidget,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.app = app
        self.review = review
        self.selection = selection
        self.results = results
        self.tags = tags
        self.sidebar = sidebar
        self.search = search
        self.dialog_parent = parent
        self._keep_row: int | None = None  # the row to select once a review list is refreshed
        self._connect()

    def _connect(self) -> None:
        r = self.review
        self.sidebar.view_requested.connect(r.open_view)
        r.view_ready.connect(self._show_view)
        r.notes_ready.connect(self._notes_ready)
        r.changed.connect(self._review_changed)
        r.known_tags.connect(self.tags.set_known)
        self.tags.add_requested.connect(self._add_tag)
        self.tags.remove_requested.connect(
            lambda t: r.tag(self.selection.selected_hits(), t, on=False)
        )
        self.tags.accept_requested.connect(
            lambda t: r.accept_tag(self.selection.selected_hits(), self.results.notes, t)
        )

    def review_key(self, key: int) -> bool:
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

    # -- decisions -------------------------------------------------------------------------------
    def accept_selected(self) -> None:
        self._decide(self.review.accept)

    def reject_selected(self) -> None:
        self._decide(self.review.reject)

    def _decide(self, decision: Callable) -> None:
        hits = self.selection.selected_hits()
        if hits:
            self._remember_row()
            decision(hits, self.results.notes)

    def _remember_row(self) -> None:
        """A decision may take the selected rows out of a review list: the row that takes
        their place is selected then (see _show_view), so the next key acts on what the
        preview shows."""
        self._keep_row = self.selection.first_selected_row()

    def edit_category(self) -> None:
        """Pick any UCS category for the selection (starting on the suggested one)."""
        hits = self.selection.selected_hits()
        if not hits:
            return
        n = self.results.notes_of(hits[0])
        start = (n.suggestion.catid if n.suggestion else n.catid) if n is not None else ""
        choices = [(c.catid, c.name) for c in self.app.ucs_subcategories()]
        picker = CategoryPicker(choices, len(hits), start, self.dialog_parent)
        if picker.exec() and picker.chosen():
            self._remember_row()
            self.review.set_category(hits, picker.chosen())

    def accept_all_above(self) -> None:
        percent, ok = QInputDialog.getInt(
            self.dialog_parent, "Accept suggestions",
            "Accept the top UCS suggestion of every uncategorised file\n"
            "that is at least this confident (%):", 80, 1, 100,
        )  # fmt: skip
        if ok:
            self.review.accept_above(percent / 100)

    # -- tags ------------------------------------------------------------------------------------
    def focus_tags(self) -> None:
        self.tags.field.setFocus()
        self.tags.field.selectAll()

    def _add_tag(self, tag: str) -> None:
        """Enter in the tag field: tag the selected files; with none selected, say so and
        keep the text for when a file is."""
        hits = self.selection.selected_hits()
        if not hits:
            self.message.emit(f"No file selected: select the files to tag with “{tag}”, "
                              "then press Enter again")  # fmt: skip
            return
        self.review.tag(hits, tag)
        self.tags.field.clear()

    def update_tags(self) -> None:
        """The tag field shows the selected files' tags."""
        self.tags.show_files([self.results.notes_of(h) for h in self.selection.selected_hits()])

    # -- review lists ----------------------------------------------------------------------------
    def leave_view(self) -> None:
        """The user searches again: the review list gives way to the results."""
        self.review.view = None
        self.sidebar.show_view(None)

    def _show_view(self, result, label: str) -> None:
        self.search.show_results(result, label)
        self.sidebar.show_view(self.review.view, len(result.hits))
        row, self._keep_row = self._keep_row, None
        if row is not None:
            self.selection.select_row(row)

    def _notes_ready(self, notes: dict) -> None:
        self.results.set_notes(notes)
        self.update_tags()

    def _review_changed(self) -> None:
        """A decision was saved (or learned tags changed): show it in the rows at once."""
        if self.review.view:
            self.review.open_view(self.review.view)
        else:
            self.review.load_notes(self.results.hits)
