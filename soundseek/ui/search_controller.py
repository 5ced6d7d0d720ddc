"""What the search field and the results do: a typed query (with the sidebar's filters) run off
the UI thread, "More like this" and what is typed after it (words toward, -words away; Esc ends
it), + and - marking the current hit good or bad, a dropped file, the history of committed
queries, the preview following the selection, and exporting a hit (see soundseek.app.session).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget

from soundseek.app import App
from soundseek.app.session import SearchSession
from soundseek.ui.error_text import describe_error
from soundseek.ui.results_model import HIT_ROLE

if TYPE_CHECKING:
    from soundseek.search.hits import Hit
    from soundseek.ui.app_jobs import SearchRunner
    from soundseek.ui.preview import PreviewPane
    from soundseek.ui.results_model import ResultsModel
    from soundseek.ui.results_table import ResultsSelection
    from soundseek.ui.review_controller import ReviewController
    from soundseek.ui.sidebar import LibraryPanel
    from soundseek.ui.threads import Tasks
    from soundseek.ui.ui_state import UiState

DEFAULT_PLACEHOLDER = (
    'Describe a sound… e.g. door creak slow  -metal  "wooden door"  dur:<3s  sr:>=96k'
)
GOOD_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
BAD_KEYS = (Qt.Key.Key_Minus, Qt.Key.Key_Underscore)
MAX_HITS = 200


class SearchController(QObject):
    """Runs the searches the window asks for and shows their results in the table."""

    message = Signal(str)

    def __init__(
        self, app: App, field: QLineEdit, sidebar: LibraryPanel, results: ResultsModel,
        selection: ResultsSelection, preview: PreviewPane, runner: SearchRunner,
        review: ReviewController, tasks: Tasks, parent: QWidget,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.app = app
        self.field = field
        self.sidebar = sidebar
        self.results = results
        self.selection = selection
        self.preview = preview
        self.runner = runner
        self.review = review
        self.tasks = tasks
        self.dialog_parent = parent
        self.session = SearchSession()
        self.last_result = None  # the SearchResult shown last
        self.field.setPlaceholderText(DEFAULT_PLACEHOLDER)

    # -- searching -----------------------------------------------------------------------------
    def run(self) -> None:
        if self.review.view:  # a review list is shown: refresh it instead
            self.review.open_view(self.review.view)
            return
        self.run_steered()

    def run_steered(self) -> None:
        """The typed words and filters, relative to the reference sound and marks if any."""
        typed, filters = self.field.text().strip(), self.sidebar.filter_tokens()
        ref = self.session.reference
        if ref is None and not f"{typed} {filters}".strip():
            self.results.set_hits([])
            return
        label = f"more like {os.path.basename(ref.path)}" if ref else f"{typed} {filters}".strip()
        if ref and typed:
            label += f", {typed}"
        session, app = self.session, self.app
        self.runner.submit(lambda: session.run(app, typed, filters, MAX_HITS), label)

    def show_results(self, result, label: str) -> None:
        self.last_result = result
        self.results.set_hits(result.hits)
        self.review.load_notes(result.hits)
        note = f" · {result.notes[0]}" if result.notes else ""
        self.message.emit(f"{len(result.hits)} results for {label}{note}")

    def similar_to_file(self, path: str) -> None:
        """A file dropped from outside: indexed ones by their vectors, others by listening."""
        self.runner.submit(lambda: self.app.similar(path), f"more like {os.path.basename(path)}")

    # -- "like this, but…" and feedback ----------------------------------------------------------
    def more_like(self, hit: Hit, region) -> None:
        """Start "like this" (a selected region too, when the model can listen to it)."""
        self.like(hit, region if region and self.app.embedder is not None else None)

    def like(self, hit: Hit, region) -> None:
        """More like this: the hit becomes the reference; what is typed next modifies it."""
        self.session.start_like(hit.path, region)
        self.results.set_good(self.session.good)
        name = os.path.basename(hit.path)
        self.field.clear()
        self.field.setPlaceholderText(
            f"like “{name}” — type to change it (more distant -reverb), Esc to end"
        )
        self.run_steered()

    def end_like(self) -> bool:
        if self.session.reference is None and not (self.session.good or self.session.bad):
            return False
        self.session.clear()
        self.results.set_good(self.session.good)
        self.field.setPlaceholderText(DEFAULT_PLACEHOLDER)
        self.run_steered()
        return True

    def mark_current(self, good: bool) -> bool:
        hit = self.selection.current_hit()
        if hit is None:
            return False
        on = self.session.mark(hit.path, good)
        self.results.set_good(self.session.good)
        word = ("good" if good else "bad") if on else "unmarked"
        self.message.emit(f"{os.path.basename(hit.path)}: {word}; re-ranking")
        self.run_steered()
        return True

    def steer_key(self, key: int) -> bool:
        """+ marks the current hit good, - bad."""
        if key in GOOD_KEYS:
            return self.mark_current(True)
        if key in BAD_KEYS:
            return self.mark_current(False)
        return False

    # -- the shown rows ----------------------------------------------------------------------------
    def show_current(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        """The preview shows the current row's file."""
        hit = current.data(HIT_ROLE) if current.isValid() else None
        if hit is not None:
            self.preview.show_hit(hit)
        else:
            self.preview.clear_hit()

    def rows_replaced(self) -> None:
        """New rows (a search, a refreshed review list) clear the selection without a signal:
        the preview follows, so it never shows a file that is not selected."""
        if not self.selection.has_current():
            self.preview.clear_hit()

    def export(self, hit: Hit, region) -> None:
        folder = QFileDialog.getExistingDirectory(self.dialog_parent, "Export to folder")
        if folder:
            self.tasks.run(
                lambda: self.app.export(hit.path, folder, region),
                lambda target: self.message.emit(f"exported {target}"),
                lambda exc: self.message.emit(f"export failed: {describe_error(exc)}"),
            )


class QueryHistory:
    """Queries committed with Enter (or by moving into the results), never each keystroke:
    kept in the UI state and offered by the search field's completer."""

    def __init__(self, state: UiState, model: QStringListModel, field: QLineEdit) -> None:
        self.state = state
        self.model = model
        self.field = field

    def commit(self) -> None:
        self.state.remember(self.field.text())
        self.model.setStringList(self.state.history)
