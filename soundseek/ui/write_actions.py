"""What "Write metadata to files…" and "Undo last change" do: a dry run shown first, then the
journaled write in the background, and a report of what was written or put back. The undo
takes back the last write, or (where the app journals both) whichever is newer of the last
write and the last action on copies (hide, move, Trash): app.changes, where present."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from soundseek.app import App
from soundseek.ui.threads import Worker
from soundseek.ui.write_dialog import WriteDialog
from soundseek.ui.write_report import (
    Report,
    describe_change,
    show_report,
    undo_report,
    write_report,
)

if TYPE_CHECKING:
    from soundseek.ui.results_table import ResultsSelection
    from soundseek.ui.threads import Tasks


class WriteActions(QObject):
    """Writes the index's metadata into the selected files (or every file with something to
    write), one write at a time, and undoes the last one."""

    message = Signal(str)
    files_changed = Signal()  # a write or an undo finished: the shown notes are stale

    def __init__(
        self, app: App, selection: ResultsSelection, tasks: Tasks, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.selection = selection
        self.tasks = tasks
        self.dialog_parent = parent
        self.worker: Worker | None = None
        self.report_box: QMessageBox | None = None  # what the last write or undo did, while shown

    def _write_paths(self) -> list[str] | None:
        """The selected files, or (nothing selected) every file with something to write."""
        selected = [h.file.path for h in self.selection.selected_hits()]
        return selected or None

    def write_to_files(self) -> None:
        if self.worker is not None:
            self.message.emit("a write is already running")
            return
        paths = self._write_paths()
        self.message.emit("checking what would be written…")
        self.tasks.run(lambda: [p.outcome for p in
                                self.app.writes.write_metadata(paths, dry_run=True)],
                       lambda outcomes: self._confirm_write(paths, outcomes),
                       lambda exc: self.message.emit(f"write failed: {exc}"))  # fmt: skip

    def _confirm_write(self, paths: list[str] | None, outcomes: list) -> None:
        if not any(o.status == "planned" for o in outcomes):
            self.message.emit("nothing to write: the files already say it all")
            return
        if not WriteDialog(outcomes, self.dialog_parent).exec():
            return
        worker = Worker(lambda cancel: self.app.writes.write_metadata(paths, cancel=cancel), self)
        outcomes_done: list = []
        worker.progress.connect(lambda p: self._write_progress(p, outcomes_done))
        worker.done.connect(lambda _last: self._write_finished(write_report(outcomes_done)))
        worker.failed.connect(lambda exc: self._write_finished(f"write failed: {exc}"))
        self.worker = worker
        worker.start()

    def _write_progress(self, p, outcomes: list) -> None:
        outcomes.append(p.outcome)
        self.message.emit(f"writing metadata {p.done}/{p.total}…")

    def _write_finished(self, result: Report | str) -> None:
        self.worker = None
        self._report(result)
        self.files_changed.emit()

    def _report(self, result: Report | str) -> None:
        """In the status bar, and (a finished write or undo) in a box that says it all."""
        if isinstance(result, str):
            self.message.emit(result)
            return
        self.message.emit(result.summary + (" (details in the report)" if result.details else ""))
        if self.report_box is not None:
            self.report_box.close()
        self.report_box = show_report(self.dialog_parent, result)

    def undo_last_change(self, parent: QWidget | None = None) -> None:
        """Ask, saying what the undo puts back (read off the UI thread): the newer of the last
        write and the last action on copies where the app journals both (`app.changes`),
        else the last write."""
        changes = getattr(self.app, "changes", None)
        last = changes.last_change if changes is not None else self.app.writes.last_write
        parent = parent or self.dialog_parent
        self.tasks.run(last, lambda change: self._confirm_undo(change, parent),
                       lambda exc: self.message.emit(f"undo failed: {exc}"))  # fmt: skip

    def _confirm_undo(self, last, parent: QWidget) -> None:
        change = describe_change(last)
        if change is None:
            self.message.emit("nothing to undo")
            return
        answer = QMessageBox.question(parent, "Undo last change", f"{change}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        changes = getattr(self.app, "changes", None)
        undo = changes.undo_last if changes is not None else self.app.writes.undo_writes
        self.tasks.run(undo, self._undone,
                       lambda exc: self.message.emit(f"undo failed: {exc}"))  # fmt: skip

    def _undone(self, result) -> None:
        batch_id, outcomes = result
        if not batch_id:
            self.message.emit("nothing to undo")
            return
        self._report(undo_report(outcomes))
        self.files_changed.emit()

    def shutdown(self) -> None:
        """On close: a running write stops after its current file (each file is whole)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(60_000)
