"""The main window's write-back part: "Write metadata to files…" (a dry run shown first,
then the journaled write in the background) and "Undo last write". A mixin of MainWindow."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from soundseek.ui.worker import Worker
from soundseek.ui.write_dialog import WriteDialog


def _counted(outcomes: list) -> str:
    written = sum(o.status == "written" for o in outcomes)
    refused = sum(o.status == "refused" for o in outcomes)
    return f"wrote {written} files" + (f", {refused} refused" if refused else "")


class WriteActions:
    """Mixed into MainWindow (needs app, tasks, selected_hits, _message, review)."""

    _write_worker: Worker | None = None

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
        worker.done.connect(lambda _last: self._write_finished(_counted(outcomes_done)))
        worker.failed.connect(lambda exc: self._write_finished(f"write failed: {exc}"))
        self._write_worker = worker
        worker.start()

    def _write_progress(self, p, outcomes: list) -> None:
        outcomes.append(p.outcome)
        self._message(f"writing metadata {p.done}/{p.total}…")

    def _write_finished(self, text: str) -> None:
        self._write_worker = None
        self._message(text)
        self.review.changed.emit()

    def undo_last_write(self) -> None:
        answer = QMessageBox.question(
            self, "Undo last write",
            "Put every file of the last write batch back as it was, byte for byte?",
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
        restored = sum(u.restored for u in outcomes)
        left = [u for u in outcomes if not u.restored and "never" not in u.reason]
        tail = f", {len(left)} left as they are ({left[0].reason})" if left else ""
        self._message(f"restored {restored} files{tail}")
        self.review.changed.emit()

    def _stop_writes(self) -> None:
        """On close: a running write stops after its current file (each file is whole)."""
        if self._write_worker is not None:
            self._write_worker.cancel()
            self._write_worker.wait(60_000)
