"""The main window's write-back part: "Write metadata to files…" (a dry run shown first,
then the journaled write in the background) and "Undo last write". A mixin of MainWindow."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from soundseek.ui.worker import Worker
from soundseek.ui.write_dialog import WriteDialog
from soundseek.ui.write_report import Report, show_report, undo_report, write_report


class WriteActions:
    """Mixed into MainWindow (needs app, tasks, selected_hits, _message, review)."""

    _write_worker: Worker | None = None
    report_box: QMessageBox | None = None  # what the last write or undo did, while shown

    def _add_write_actions(self, menu) -> None:
        menu.addSeparator()
        menu.addAction("Write metadata to files…", self.write_to_files)
        menu.addAction("Undo last write", self.undo_last_write)

    def _write_paths(self) -> list[str] | None:
        """The selected files, or (nothing selected) every file with something to write."""
        selected = [h.file.path for h in self.selected_hits()]
        return selected or None

    def write_to_files(self) -> None:
        if self._write_worker is not None:
            self._message("a write is already running")
            return
        paths = self._write_paths()
        self._message("checking what would be written…")
        self.tasks.run(lambda: [p.outcome for p in self.app.write_metadata(paths, dry_run=True)],
                       lambda outcomes: self._confirm_write(paths, outcomes),
                       lambda exc: self._message(f"write failed: {exc}"))  # fmt: skip

    def _confirm_write(self, paths: list[str] | None, outcomes: list) -> None:
        if not any(o.status == "planned" for o in outcomes):
            self._message("nothing to write: the files already say it all")
            return
        if not WriteDialog(outcomes, self).exec():
            return
        worker = Worker(lambda cancel: self.app.write_metadata(paths, cancel=cancel), self)
        outcomes_done: list = []
        worker.progress.connect(lambda p: self._write_progress(p, outcomes_done))
        worker.done.connect(lambda _last: self._write_finished(write_report(outcomes_done)))
        worker.failed.connect(lambda exc: self._write_finished(f"write failed: {exc}"))
        self._write_worker = worker
        worker.start()

    def _write_progress(self, p, outcomes: list) -> None:
        outcomes.append(p.outcome)
        self._message(f"writing metadata {p.done}/{p.total}…")

    def _write_finished(self, result: Report | str) -> None:
        self._write_worker = None
        self._report(result)
        self.review.changed.emit()

    def _report(self, result: Report | str) -> None:
        """In the status bar, and (a finished write or undo) in a box that says it all."""
        if isinstance(result, str):
            self._message(result)
            return
        self._message(result.summary + (" (details in the report)" if result.details else ""))
        if self.report_box is not None:
            self.report_box.close()
        self.report_box = show_report(self, result)

    def undo_last_write(self) -> None:
        """Ask, saying how many files the undo puts back (read off the UI thread)."""
        self.tasks.run(self.app.last_write, self._confirm_undo,
                       lambda exc: self._message(f"undo failed: {exc}"))  # fmt: skip

    def _confirm_undo(self, last: tuple[str, int]) -> None:
        batch_id, files = last
        if not batch_id:
            self._message("nothing to undo: no write to put back")
            return
        answer = QMessageBox.question(
            self, "Undo last write",
            f"Put the {files} file{'s' * (files != 1)} of the last write back as "
            f"{'they were' if files != 1 else 'it was'}, byte for byte?",
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.tasks.run(self.app.undo_writes, self._undone,
                       lambda exc: self._message(f"undo failed: {exc}"))  # fmt: skip

    def _undone(self, result) -> None:
        batch_id, outcomes = result
        if not batch_id:
            self._message("nothing to undo")
            return
        self._report(undo_report(outcomes))
        self.review.changed.emit()

    def _stop_writes(self) -> None:
        """On close: a running write stops after its current file (each file is whole)."""
        if self._write_worker is not None:
            self._write_worker.cancel()
            self._write_worker.wait(60_000)
