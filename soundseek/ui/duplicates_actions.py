"""What the Duplicates view asks of the application, off the UI thread: the groups at a level,
hide / move to Trash / move to a folder for the files other than each group's keeper (after a
confirmation that says how many files and that Undo puts them back), the exported list, and a
report of what was done. Nothing here deletes: the app journals every move and hide."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from soundseek.ui.error_text import describe_error
from soundseek.ui.threads import Tasks, Worker
from soundseek.ui.write_report import Report, show_report

if TYPE_CHECKING:
    from soundseek.copies.groups import CopyGroup

UNDO_HINT = "Undo (Ctrl+Z here, or Review ▸ Undo last change) puts them back."
MISSING = "{what} is not available in this version of SoundSeek (app.copies.{name} is missing)"


@dataclass(frozen=True)
class ActionWords:
    button: str  # the button and the confirmation's title
    doing: str  # in the status bar while it runs
    done: str  # in the report, with the files counted: "hid {files}"
    title: str  # the report's title


WORDS = {
    "hide": ActionWords("Hide copies", "hiding", "hid {files}", "Copies hidden"),
    "trash": ActionWords("Move copies to Trash", "moving to Trash",
                         "moved {files} to the Trash", "Copies moved to Trash"),
    "move": ActionWords("Move copies to folder…", "moving", "moved {files}", "Copies moved"),
}  # fmt: skip


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def confirm_text(action: str, groups: list[CopyGroup], dest: str | None = None) -> str:
    """The question before an action: which files, how many, that keepers stay, how to undo."""
    files = _count(sum(len(g.others) for g in groups), "file")
    kept = "The keeper stays" if len(groups) == 1 else \
        f"The keeper of each of the {len(groups)} groups stays"  # fmt: skip
    if action == "hide":
        return f"Hide {files} from search results? {kept} shown; hidden files stay listed " \
               "here, marked hidden. Undo (Ctrl+Z) shows them again."  # fmt: skip
    if action == "trash":
        return f"Move {files} to the system Trash? {kept} where it is. Nothing is deleted: " \
               "Undo (Ctrl+Z) puts them back."  # fmt: skip
    return f"Move {files} to {dest}? {kept} where it is. Undo (Ctrl+Z) moves them back."


def action_report(action: str, outcomes: list, dest: str | None = None) -> Report:
    """Counts of the files done and refused (and where they went); each refusal with its
    reason."""
    done = sum(o.status == "done" for o in outcomes)
    refused = [o for o in outcomes if o.status == "refused"]
    summary = WORDS[action].done.format(files=_count(done, "file"))
    summary += f" to {dest}" if dest else ""
    summary += f", {len(refused)} refused" if refused else ""
    hint = UNDO_HINT + (" Show Details for why each refused file was left." if refused else "")
    details = [f"{os.path.basename(o.path)}: {o.reason}" for o in refused]
    return Report(WORDS[action].title, summary, hint, details)


class DuplicatesActions(QObject):
    """Loads groups (only the newest request is delivered) and runs one action at a time."""

    message = Signal(str)
    loading = Signal()
    groups_loaded = Signal(object, object)  # list[CopyGroup], the paths hidden from results
    changed = Signal()  # an action or an export finished: the list may be stale

    def __init__(self, app, tasks: Tasks, parent: QWidget) -> None:
        super().__init__(parent)
        self.app = app
        self.tasks = tasks
        self.worker: Worker | None = None
        self.report_box: QMessageBox | None = None
        self._generation = 0

    def load(self, level: str) -> None:
        self._generation += 1
        gen = self._generation
        self.loading.emit()
        copies = self.app.copies
        hidden = getattr(copies, "hidden", None) or frozenset  # an app without hiding: none

        def read() -> tuple[list[CopyGroup], frozenset[str]]:
            return copies.groups(level=level), frozenset(hidden())

        def show(found) -> None:
            if gen == self._generation:
                self.groups_loaded.emit(*found)

        self.tasks.run(read, show, lambda exc: self.message.emit(f"copies: {describe_error(exc)}"))

    def _call(self, name: str, what: str) -> Callable | None:
        call = getattr(self.app.copies, name, None)
        if call is None:
            self.message.emit(MISSING.format(what=what, name=name))
        return call

    def apply(self, action: str, groups: list[CopyGroup], parent: QWidget) -> None:
        """Ask, then act on every file but the keepers, in the background."""
        if self.worker is not None:
            self.message.emit("an action on copies is already running")
            return
        if not any(g.others for g in groups):
            self.message.emit("no copies to act on: select a group")
            return
        apply = self._call("apply", WORDS[action].button)
        if apply is None:
            return
        dest = None
        if action == "move":
            dest = QFileDialog.getExistingDirectory(parent, "Move copies to folder")
            if not dest:
                return
        answer = QMessageBox.question(parent, WORDS[action].button,
                                      confirm_text(action, groups, dest))  # fmt: skip
        if answer == QMessageBox.StandardButton.Yes:
            self._run(action, groups, dest, apply, parent)

    def _run(self, action: str, groups: list[CopyGroup], dest: str | None, apply: Callable,
             parent: QWidget) -> None:  # fmt: skip
        """The action in a worker: progress in the status bar, a report when it ends."""
        outcomes: list = []
        total = sum(len(g.others) for g in groups)

        def progress(outcome) -> None:
            outcomes.append(outcome)
            self.message.emit(f"{WORDS[action].doing} {len(outcomes)}/{total}…")

        worker = Worker(lambda cancel: apply(action, groups, dest=dest, cancel=cancel), self)
        worker.progress.connect(progress)
        worker.done.connect(
            lambda _last: self._finished(action_report(action, outcomes, dest), parent)
        )
        worker.failed.connect(lambda exc: self._failed(action, exc))
        self.worker = worker
        worker.start()

    def _finished(self, report: Report, parent: QWidget) -> None:
        self.worker = None
        self.message.emit(report.summary + (" (details in the report)" if report.details else ""))
        if self.report_box is not None:
            self.report_box.close()
        self.report_box = show_report(parent, report)
        self.changed.emit()

    def _failed(self, action: str, exc: Exception) -> None:
        self.worker = None
        self.message.emit(f"{WORDS[action].button.rstrip('…').lower()} failed: "
                          f"{describe_error(exc)}")  # fmt: skip
        self.changed.emit()  # some files may have moved before it failed

    def export(self, groups: list[CopyGroup], parent: QWidget) -> None:
        """The groups as CSV or JSON (by the name's extension), where the user says."""
        export = self._call("export", "Exporting the list")
        if export is None or not groups:
            return
        path, _filter = QFileDialog.getSaveFileName(
            parent, "Export list of copies", "copies.csv", "CSV (*.csv);;JSON (*.json)"
        )
        if not path:
            return
        done = f"exported {_count(len(groups), 'group')} to {path}"
        self.tasks.run(
            lambda: export(groups, path),
            lambda _r: self.message.emit(done),
            lambda exc: self.message.emit(f"export failed: {describe_error(exc)}"),
        )

    def shutdown(self) -> None:
        """On close: a running action stops after its current file (each is journaled)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(60_000)
