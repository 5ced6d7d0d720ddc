"""The library folders and their indexing, as the window shows them: adding, removing and
locating folders, the live counts in the sidebar (read off the UI thread), the empty-library
page, and the indexing progress, pause, cancel and errors in the status bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from soundseek.app import App
from soundseek.errors import StoreLocked
from soundseek.ui.app_jobs import KeeperController
from soundseek.ui.dialogs import EmptyLibrary, ErrorsDialog
from soundseek.ui.error_text import describe_error
from soundseek.ui.sidebar import FolderRow, LibraryPanel
from soundseek.ui.threads import Tasks

COUNTED_PHASES = ("metadata", "embed")  # phases whose progress means files were committed


@dataclass(frozen=True)
class LibraryWidgets:
    """The widgets that show the library: folders, results or the empty page, indexing state."""

    sidebar: LibraryPanel
    stack: QStackedWidget  # shows the results table, or the empty page when there are no folders
    table: QTableView
    empty: EmptyLibrary
    progress: QProgressBar
    pause_button: QPushButton
    cancel_button: QPushButton
    errors_button: QPushButton


class LibraryController(QObject):
    """Folder changes go to the application off the UI thread and ask the keeper for a run;
    the keeper's progress shows in the status bar and moves the counts."""

    message = Signal(str)
    title_changed = Signal(str)  # the window title: files indexed, team library or not
    indexed_counted = Signal(int)  # files indexed, as last counted
    search_needed = Signal()  # files were committed: the shown results are stale
    index_done = Signal()  # an index run ended (or a busy index was let go)

    def __init__(
        self, app: App, keeper: KeeperController, tasks: Tasks, widgets: LibraryWidgets,
        parent: QWidget,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.app = app
        self.keeper = keeper
        self.tasks = tasks
        self.view = widgets
        self.dialog_parent = parent
        self.first_run_done = False
        self._counting = self._count_again = False  # a count is being read / is asked again
        self._counted_done = -1  # files_done of the last progress that asked for counts
        self._connect()

    def _connect(self) -> None:
        w = self.view
        w.sidebar.add_requested.connect(self.add_folder)
        w.empty.add_requested.connect(self.add_folder)
        w.sidebar.remove_requested.connect(self.remove_folder)
        w.sidebar.locate_requested.connect(self.locate_folder)
        w.sidebar.rescan_requested.connect(self.keeper.request)
        self.keeper.progress.connect(self._index_progress)
        self.keeper.run_finished.connect(self._index_finished)
        self.keeper.failed.connect(self._index_failed)
        self.keeper.message.connect(self.message)
        w.pause_button.clicked.connect(self._toggle_pause)
        w.cancel_button.clicked.connect(self.keeper.cancel)
        w.errors_button.clicked.connect(self.show_errors)

    # -- folders -----------------------------------------------------------------------------------
    def add_folder(self, path: str | None = None) -> None:
        path = path or QFileDialog.getExistingDirectory(self.dialog_parent, "Add a library folder")
        if path:
            self._root_action(lambda: self.app.add_root(path), lambda r: r.note or "")

    def remove_folder(self, root_id: str) -> None:
        self._root_action(lambda: self.app.remove_root(root_id), lambda r: f"removed {r.path}")

    def locate_folder(self, root_id: str, new_path: str | None = None) -> None:
        """A library folder moved (or its drive got another letter): point to where it is."""
        new_path = new_path or QFileDialog.getExistingDirectory(
            self.dialog_parent, "Where is this folder now?"
        )
        if new_path:
            self._root_action(
                lambda: self.app.relocate_root(root_id, new_path),
                lambda m: (
                    f"{m.old_path} is now {m.root.path}: {m.found}/{m.checked} files found, "
                    "nothing re-embedded"
                ),
            )

    def _root_action(self, call: Callable, describe: Callable) -> None:
        def done(result) -> None:
            self.message.emit(describe(result))
            self.keeper.request()

        self.tasks.run(call, done, lambda exc: self.message.emit(describe_error(exc)))

    # -- counts ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Live counts, read off the UI thread; asked again while a read is out, it reads
        once more when that one is back (never more than one at a time)."""
        if self._counting:
            self._count_again = True
            return
        self._counting, self._count_again = True, False

        def shown(summaries) -> None:
            self._counting = False
            self.show_folders(summaries)
            if self._count_again:
                self.refresh()

        def failed(exc: Exception) -> None:
            self._counting = False

        self.tasks.run(self.app.root_summaries, shown, failed)

    def show_folders(self, summaries) -> None:
        """The folders with their counts and state; the empty page when there are none."""
        shared = self.app.place.shared
        self.view.stack.setCurrentWidget(
            self.view.empty if not summaries and not shared else self.view.table
        )
        indexing = "indexing…" if self.keeper.running else "up to date"
        if shared:
            who, when = self.app.last_run
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else ""
            indexing = f"team library, indexed {stamp} by {who}" if who else "team library"
        self.view.sidebar.set_folders([
            FolderRow(s.root.id, s.root.path, s.files, s.online, indexing) for s in summaries
        ])  # fmt: skip
        indexed = sum(s.indexed for s in summaries)
        errors = sum(s.errors for s in summaries)
        self.view.errors_button.setText(f"Errors ({errors})")
        self.view.errors_button.setVisible(errors > 0)
        team = " in the team library" if shared else ""
        self.title_changed.emit(f"SoundSeek — {indexed} files indexed{team}")
        self.indexed_counted.emit(indexed)

    def show_errors(self) -> None:
        self.tasks.run(
            self.app.errors, lambda errors: ErrorsDialog(errors, self.dialog_parent).exec()
        )

    # -- indexing ----------------------------------------------------------------------------------
    def _index_progress(self, p) -> None:
        self._show_running(True)
        if p.phase in COUNTED_PHASES and p.files_done != self._counted_done:
            self._counted_done = p.files_done  # files were committed: the counts move
            self.refresh()
        if p.phase == "embed":
            eta = p.eta_seconds
            eta_text = f" · ETA {int(eta // 60)}:{int(eta % 60):02d}" if eta else ""
            text = (f"Indexing {p.files_done}/{p.files_total} files · "
                    f"{p.audio_seconds / 3600:.2f} h audio{eta_text}")  # fmt: skip
        elif p.phase == "prepare":
            text = p.message
        elif p.phase == "metadata":
            text = p.message or f"Reading metadata {p.files_done}/{p.files_total}"
        else:
            text = p.message or f"{p.phase}…"
        if p.phase in ("embed", "prepare", "metadata"):
            self.view.progress.setRange(0, max(1, p.files_total))
            self.view.progress.setValue(p.files_done)
        else:
            self.view.progress.setRange(0, 0)
        if p.phase == "metadata" and p.files_done == p.files_total:
            self.search_needed.emit()
        if p.errors:
            text += f" · {p.errors} unreadable"
        self.message.emit(text)

    def _show_running(self, running: bool) -> None:
        for widget in (self.view.progress, self.view.pause_button, self.view.cancel_button):
            widget.setVisible(running)

    def _index_finished(self, last) -> None:
        self.first_run_done = True
        self._show_running(False)
        self.view.pause_button.setText("Pause")
        self.refresh()
        self.index_done.emit()
        if last is not None:
            cancelled = last.phase == "cancelled"
            self.message.emit("Indexing cancelled" if cancelled else "Index up to date")
        self.search_needed.emit()

    def _index_failed(self, exc: Exception) -> None:
        if isinstance(exc, StoreLocked):
            self.message.emit("Another SoundSeek process is indexing this library; "
                              "this window catches up when it is done")  # fmt: skip
        else:
            self.message.emit(f"Indexing stopped: {describe_error(exc)}")

    def _toggle_pause(self) -> None:
        self.view.pause_button.setText("Resume" if self.keeper.toggle_pause() else "Pause")
