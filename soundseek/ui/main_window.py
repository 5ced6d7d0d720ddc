"""The main window: a view over the application. Search field, library sidebar, results,
preview, indexing status. Every index read runs off the UI thread; the window shows before
the index or the model is opened."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QFileSystemWatcher,
    QItemSelectionModel,
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from soundseek.app import App
from soundseek.app.session import SearchSession
from soundseek.app.settings import MODEL_KEYS
from soundseek.errors import DISK_FULL_MESSAGE, SoundSeekError, StoreLocked, disk_full
from soundseek.ui import actions
from soundseek.ui.bridge import AppSignals
from soundseek.ui.controllers import KeeperController, ModelLoader, SearchRunner
from soundseek.ui.dialogs import EmptyLibrary, ErrorsDialog, ModelBanner, SettingsDialog
from soundseek.ui.elided_label import ElidedLabel
from soundseek.ui.preview import PreviewPane
from soundseek.ui.results_model import HIT_ROLE, SORT_ROLE, ResultsModel
from soundseek.ui.review import VIEWS, ReviewController
from soundseek.ui.review_actions import ReviewActions
from soundseek.ui.sidebar import FolderRow, LibraryPanel
from soundseek.ui.steer_actions import SteerActions
from soundseek.ui.ui_state import UiState
from soundseek.ui.worker import Tasks
from soundseek.ui.write_actions import WriteActions

SEARCH_DEBOUNCE_MS = 150
SETTINGS_SETTLE_MS = 200  # a save is a temp file then a rename: look once both are done


class MainWindow(ReviewActions, WriteActions, SteerActions, QMainWindow):
    default_placeholder = (
        'Describe a sound… e.g. door creak slow  -metal  "wooden door"  dur:<3s  sr:>=96k'
    )

    def __init__(self, app: App, open_output: Callable | None = None) -> None:
        super().__init__()
        self.app = app
        self.open_output = open_output
        self.player = None
        self.audio = None
        self.library_ready = False
        self.first_run_done = False
        self._indexed = 0
        self._counting = self._count_again = False  # a count is being read / is asked again
        self._counted_done = -1  # files_done of the last progress that asked for counts
        self.setWindowTitle("SoundSeek")
        self.setAcceptDrops(True)
        self.state = UiState(app.paths.config_dir / "ui_state.json")
        self.session = SearchSession()
        self.signals = AppSignals(app, self)
        self.tasks = Tasks(self)
        self._build_widgets()
        self._build_layout()
        self._connect()
        self._restore_state()
        self._show_folders(app.cached_root_summaries())
        self.search_field.setFocus()

    # -- construction -------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        s = self.app.settings
        self.search_field = QLineEdit(objectName="search")
        self.search_field.setPlaceholderText(self.default_placeholder)
        self.history = QStringListModel(self.state.history)
        self.search_field.setCompleter(QCompleter(self.history, self))
        self.banner = ModelBanner()
        self.banner.hide()
        self.sidebar = LibraryPanel(self.app.ucs_categories(), VIEWS)
        self.results = ResultsModel(self._drag_path)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.results)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = _results_table(self.proxy)
        self.empty = EmptyLibrary()
        self.preview = PreviewPane(self.app, self._drag_path, s.theme)
        self.preview.auto_play.setChecked(s.auto_play)
        self.preview.loop.setChecked(s.loop)
        self.preview.volume.setValue(int(s.volume * 100))
        self.status_label = ElidedLabel()
        self.audio_label = QLabel()
        self.audio_retry = QPushButton("Retry audio")
        self.audio_retry.hide()
        self.model_label = QLabel()
        self.progress = QProgressBar(maximumWidth=220)
        self.progress.hide()
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.errors_button = QPushButton("Errors")
        self.errors_button.hide()
        for b in (self.pause_button, self.cancel_button):
            b.hide()
        self.keeper = KeeperController(self.app, self)
        self.search_runner = SearchRunner(self)
        self.model_loader = ModelLoader(self.app, self)
        self.review = ReviewController(self.app, self)
        self._keep_row: int | None = None
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        # The settings file is replaced atomically on save: watching its folder sees that.
        # ... and the models folder: a model installed from a terminal under the name the
        # settings already hold changes no setting.
        self.app.paths.models_dir.mkdir(parents=True, exist_ok=True)
        watched = [str(self.app.paths.config_dir), str(self.app.paths.models_dir)]
        self.settings_watch = QFileSystemWatcher(watched, self)
        self._settings_timer = QTimer(self, singleShot=True, interval=SETTINGS_SETTLE_MS)
        self.last_result = None

    def _build_layout(self) -> None:
        self.results_stack = QStackedWidget()
        self.results_stack.addWidget(self.table)
        self.results_stack.addWidget(self.empty)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.results_stack)
        self.right.addWidget(self.preview)
        self.right.setSizes([500, 260])
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.sidebar)
        self.split.addWidget(self.right)
        self.split.setSizes([260, 1000])
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(6, 6, 6, 0)
        box.addWidget(self.search_field)
        box.addWidget(self.banner)
        box.addWidget(self.split, 1)
        self.setCentralWidget(central)
        sb = self.statusBar()
        sb.addWidget(self.status_label, 1)
        for w in (self.audio_label, self.audio_retry, self.progress, self.pause_button,
                  self.cancel_button, self.errors_button, self.model_label):  # fmt: skip
            sb.addPermanentWidget(w)
        menu = self.menuBar().addMenu("&File")
        for text, slot, key in (("Add folder…", self.add_folder, "Ctrl+O"),
                                ("Settings…", self.open_settings, "Ctrl+,"),
                                ("Quit", self.close, "Ctrl+Q")):  # fmt: skip
            act = QAction(text, self, shortcut=QKeySequence(key))
            act.triggered.connect(slot)
            menu.addAction(act)
        self._build_review_menu()

    def _connect(self) -> None:
        self.search_field.textEdited.connect(lambda _t: self._leave_view())
        self.search_field.returnPressed.connect(self._leave_view)
        self.search_field.textEdited.connect(lambda _t: self._debounce.start())
        self.search_field.returnPressed.connect(self.run_search)
        self.search_field.returnPressed.connect(self.commit_query)
        self.search_field.installEventFilter(self)
        self._debounce.timeout.connect(self.run_search)
        self.sidebar.filters_changed.connect(lambda _t: (self._leave_view(), self.run_search()))
        self.sidebar.add_requested.connect(self.add_folder)
        self.empty.add_requested.connect(self.add_folder)
        self.sidebar.remove_requested.connect(self.remove_folder)
        self.sidebar.locate_requested.connect(self.locate_folder)
        self.sidebar.rescan_requested.connect(self.keeper.request)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.proxy.modelReset.connect(self._rows_replaced)
        self.table.doubleClicked.connect(lambda _i: self.preview.play_from_start())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.installEventFilter(self)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.search_field.setFocus)
        self.preview.similar_requested.connect(self.more_like)
        self.preview.export_requested.connect(self.export)
        self.search_runner.results.connect(self.show_results)
        self.search_runner.failed.connect(lambda exc: self._message(_describe(exc)))
        self.keeper.progress.connect(self._index_progress)
        self.keeper.run_finished.connect(self._index_finished)
        self.keeper.failed.connect(self._index_failed)
        self.keeper.message.connect(self._message)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button.clicked.connect(self.keeper.cancel)
        self.errors_button.clicked.connect(self.show_errors)
        self.signals.roots_changed.connect(self.refresh_library)
        self.signals.model_changed.connect(self._model_changed)
        self.signals.settings_changed.connect(self._settings_changed)
        self.signals.model_preparing.connect(self._model_preparing)
        self.settings_watch.directoryChanged.connect(lambda _d: self._settings_timer.start())
        self._settings_timer.timeout.connect(self._elsewhere_changed)
        self.model_loader.download_progress.connect(self.banner.show_progress)
        self.model_loader.failed.connect(self.banner.show_error)
        self.banner.download_requested.connect(self.model_loader.download)
        self.banner.import_requested.connect(self.import_model)
        self.audio_retry.clicked.connect(lambda: self.audio and self.audio.retry())
        self._connect_review()

    # -- start-up, in the background -------------------------------------------------------
    def start_background(self) -> None:
        """After the window is up: open the index, then audio, waveform and model, then keep
        the library current. Searches typed meanwhile wait for the index, never the window."""
        self.tasks.run(self.app.open_index, self._library_opened, self._library_failed)

    def _library_opened(self, notes: list[str]) -> None:
        self.library_ready = True
        self._message(" · ".join(notes) if notes else "Library open")
        if self.search_field.text():
            self.run_search()
        self.refresh_library()
        self.review.refresh_known_tags()
        self.review.learn()
        self._start_audio()
        self.tasks.run(_import_waveform, lambda _r: self.preview.attach_waveform())
        self.model_loader.load()

    def _library_failed(self, exc: Exception) -> None:
        self._message(f"The index could not be opened: {_describe(exc)}")

    def _start_audio(self) -> None:
        from soundseek.audio.playback import NullOutput, Player
        from soundseek.ui.audio_device import AudioSwitch, open_device_output

        self.player = Player(NullOutput())
        self.player.volume = self.app.settings.volume
        self.audio = AudioSwitch(self.player, self.open_output or open_device_output, parent=self)
        self.audio.status_changed.connect(self._audio_status)
        self.audio.start()
        self.preview.attach_player(self.player)

    def _audio_status(self, text: str) -> None:
        """Said in the user's terms; the audio library's own words are in the tooltip."""
        self.audio_label.setText(text)
        reason = self.audio.reason if self.audio is not None and text else ""
        self.audio_label.setToolTip(f"{reason}. Connect a device and press Retry audio."
                                    if reason else "")  # fmt: skip
        self.audio_retry.setVisible(bool(text))

    # -- search -------------------------------------------------------------------------------
    def query_text(self) -> str:
        return f"{self.search_field.text()} {self.sidebar.filter_tokens()}".strip()

    def run_search(self) -> None:
        if self.review.view:  # a review list is shown: refresh it instead
            self.review.open_view(self.review.view)
            return
        self.run_steered()

    def commit_query(self) -> None:
        """Enter, or moving into the results, puts the query in the history (not each keystroke)."""
        self.state.remember(self.search_field.text())
        self.history.setStringList(self.state.history)

    def show_results(self, result, label: str) -> None:
        self.last_result = result
        self.results.set_hits(result.hits)
        self.review.load_notes(result.hits)
        note = f" · {result.notes[0]}" if result.notes else ""
        self._message(f"{len(result.hits)} results for {label}{note}")

    def more_like(self, hit, region) -> None:
        """Start "like this" (a selected region too, when the model can listen to it)."""
        self.like(hit, region if region and self.app.embedder is not None else None)

    def similar_to_file(self, path: str) -> None:
        """A file dropped from outside: indexed ones by their vectors, others by listening."""
        self.search_runner.submit(
            lambda: self.app.similar(path), f"more like {os.path.basename(path)}"
        )

    # -- selection, audition, drag ----------------------------------------------------------------
    def current_hit(self):
        idx = self.table.currentIndex()
        return idx.data(HIT_ROLE) if idx.isValid() else None

    def _current_changed(self, current, _previous) -> None:
        hit = current.data(HIT_ROLE) if current.isValid() else None
        if hit is not None:
            self.preview.show_hit(hit)
        else:
            self.preview.clear_hit()

    def _rows_replaced(self) -> None:
        """New rows (a search, a refreshed review list) clear the selection without a signal:
        the preview and the tag field follow, so they never show a file that is not selected."""
        if not self.table.currentIndex().isValid():
            self.preview.clear_hit()
        self._update_tags()

    def _drag_path(self, hit) -> str:
        region = self.preview.selection() if self.preview.hit is hit else None
        return self.app.drag_file(hit.path, region)

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if obj is self.search_field and key == Qt.Key.Key_Down and self.proxy.rowCount():
            self.commit_query()
            self.table.setFocus()
            self.table.selectionModel().setCurrentIndex(
                self.proxy.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            return True
        if obj is self.table and key == Qt.Key.Key_Space:
            self.preview.toggle()
            return True
        if obj is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.preview.play_from_start()
            return True
        if obj is self.table and key == Qt.Key.Key_Escape:
            self.search_field.setFocus()
            return True
        if obj is self.search_field and key == Qt.Key.Key_Escape:
            return self.end_like()
        if obj is self.table and self.steer_key(key):
            return True
        if obj is self.table and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            return self._review_key(key)
        return False

    def _context_menu(self, pos) -> None:
        hit = self.current_hit()
        if hit is None:
            return
        menu = QMenu(self)
        menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(hit.path))
        menu.addAction("Reveal in file manager", lambda: actions.reveal(hit.path))
        menu.addAction("More like this", lambda: self.more_like(hit, None))
        menu.addAction("Good match (rank toward it)\t+", lambda: self.mark_current(True))
        menu.addAction("Bad match (rank away, hide it)\t-", lambda: self.mark_current(False))
        menu.addAction("Export…", lambda: self.export(hit, None))
        menu.addSeparator()
        menu.addAction("Accept suggestion\tA", self.accept_selected)
        menu.addAction("Reject suggestion\tR", self.reject_selected)
        menu.addAction("Edit category…\tE", self.edit_category)
        menu.addAction("Tag…\tT", self.focus_tags)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def export(self, hit, region) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder")
        if folder:
            self.tasks.run(
                lambda: self.app.export(hit.path, folder, region),
                lambda target: self._message(f"exported {target}"),
                lambda exc: self._message(f"export failed: {_describe(exc)}"),
            )

    def changeEvent(self, event) -> None:
        """Coming back to the window (after a terminal, say): a cheap look at the settings
        file, in case a change was missed while watching."""
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.check_settings()
        super().changeEvent(event)

    # -- drops from outside -------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() and self.app.is_audio_file(u.toLocalFile()) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and event.source() is None:
            self.similar_to_file(urls[0].toLocalFile())
            event.acceptProposedAction()

    # -- library folders ------------------------------------------------------------------------
    def add_folder(self, path: str | None = None) -> None:
        path = path or QFileDialog.getExistingDirectory(self, "Add a library folder")
        if path:
            self._root_action(lambda: self.app.add_root(path), lambda r: r.note or "")

    def remove_folder(self, root_id: str) -> None:
        self._root_action(lambda: self.app.remove_root(root_id), lambda r: f"removed {r.path}")

    def locate_folder(self, root_id: str, new_path: str | None = None) -> None:
        """A library folder moved (or its drive got another letter): point to where it is."""
        new_path = new_path or QFileDialog.getExistingDirectory(self, "Where is this folder now?")
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
            self._message(describe(result))
            self.keeper.request()

        self.tasks.run(call, done, lambda exc: self._message(_describe(exc)))

    def refresh_library(self) -> None:
        """Live counts, read off the UI thread; asked again while a read is out, it reads
        once more when that one is back (never more than one at a time)."""
        if self._counting:
            self._count_again = True
            return
        self._counting, self._count_again = True, False

        def shown(summaries) -> None:
            self._counting = False
            self._show_folders(summaries)
            if self._count_again:
                self.refresh_library()

        def failed(exc: Exception) -> None:
            self._counting = False

        self.tasks.run(self.app.root_summaries, shown, failed)

    def _show_folders(self, summaries) -> None:
        no_folders = not summaries and not self.app.place.shared
        self.results_stack.setCurrentWidget(self.empty if no_folders else self.table)
        indexing = "indexing…" if self.keeper.running else "up to date"
        if self.app.place.shared:
            who, when = self.app.last_run
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else ""
            indexing = f"team library, indexed {stamp} by {who}" if who else "team library"
        self.sidebar.set_folders([
            FolderRow(s.root.id, s.root.path, s.files, s.online, indexing) for s in summaries
        ])  # fmt: skip
        indexed = sum(s.indexed for s in summaries)
        errors = sum(s.errors for s in summaries)
        self.errors_button.setText(f"Errors ({errors})")
        self.errors_button.setVisible(errors > 0)
        team = " in the team library" if self.app.place.shared else ""
        self.setWindowTitle(f"SoundSeek — {indexed} files indexed{team}")
        self._update_model_label(indexed)

    def _update_model_label(self, indexed: int | None = None) -> None:
        emb = self.app.embedder
        model = (
            f"{emb.model_id} · {emb.device}" if emb else f"{self.app.settings.model} (not loaded)"
        )
        if indexed is not None:
            self._indexed = indexed
        self.model_status = f"Model: {model} · {self._indexed} files indexed"
        self.model_label.setText(self.model_status)

    # -- indexing -------------------------------------------------------------------------------
    def _index_progress(self, p) -> None:
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.show()
        if p.phase in ("metadata", "embed") and p.files_done != self._counted_done:
            self._counted_done = p.files_done  # files were committed: the counts move
            self.refresh_library()
        if p.phase == "embed":
            eta = p.eta_seconds
            eta_text = f" · ETA {int(eta // 60)}:{int(eta % 60):02d}" if eta else ""
            text = (f"Indexing {p.files_done}/{p.files_total} files · "
                    f"{p.audio_seconds / 3600:.2f} h audio{eta_text}")  # fmt: skip
            self.progress.setRange(0, max(1, p.files_total))
            self.progress.setValue(p.files_done)
        elif p.phase == "prepare":
            text = p.message
            self.progress.setRange(0, max(1, p.files_total))
            self.progress.setValue(p.files_done)
        elif p.phase == "metadata":
            text = p.message or f"Reading metadata {p.files_done}/{p.files_total}"
            self.progress.setRange(0, max(1, p.files_total))
            self.progress.setValue(p.files_done)
            if p.files_done == p.files_total:
                self.run_search()
        else:
            text = p.message or f"{p.phase}…"
            self.progress.setRange(0, 0)
        if p.errors:
            text += f" · {p.errors} unreadable"
        self._message(text)

    def _index_finished(self, last) -> None:
        self.first_run_done = True
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.hide()
        self.pause_button.setText("Pause")
        self.refresh_library()
        self.review.writes.retry()
        self.review.learn()
        if last is not None:
            self._message("Indexing cancelled" if last.phase == "cancelled" else "Index up to date")
        self.run_search()

    def _index_failed(self, exc: Exception) -> None:
        if isinstance(exc, StoreLocked):
            self._message("Another SoundSeek process is indexing this library; "
                          "this window catches up when it is done")  # fmt: skip
        else:
            self._message(f"Indexing stopped: {_describe(exc)}")

    def _toggle_pause(self) -> None:
        self.pause_button.setText("Resume" if self.keeper.toggle_pause() else "Pause")

    def show_errors(self) -> None:
        self.tasks.run(self.app.errors, lambda errors: ErrorsDialog(errors, self).exec())

    # -- model --------------------------------------------------------------------------------
    def _model_changed(self, embedder, error) -> None:
        if embedder is not None:
            self.banner.hide()
            self._message(f"Sound search ready ({embedder.model_id} on {embedder.device})")
            self.keeper.request()
        elif error is not None:
            self.banner.show_error(error)
        self._update_model_label()
        if not self.keeper.started:
            self.keeper.start()

    def _model_preparing(self, e) -> None:
        """A new model's one-time export or gate (minutes on a small CPU): a named stage
        with its step count, in the status bar and the progress bar."""
        self._message(e.text)
        if e.what:
            self.progress.setRange(0, max(1, e.steps))
            self.progress.setValue(e.step - 1)
            self.progress.show()
        elif not self.keeper.running:
            self.progress.hide()

    def import_model(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a CLAP model folder")
        if path:
            self.model_loader.import_from(path)

    def open_settings(self) -> None:
        self.app.reload_settings()  # the dialog starts from what is saved now
        known = {m.model_id: m.summary for m in self.app.known_models()}
        dlg = SettingsDialog(self.app.settings, known, self.app.installed_models(), self)
        if dlg.exec():
            changes = dlg.changes()
            new = self.app.update_settings(**changes)
            self.preview.auto_play.setChecked(new.auto_play)
            if changes:
                self.keeper.request()

    def check_settings(self) -> None:
        """Settings saved by another process (`soundseek model import`, `watch`'s host...)
        are taken up: the change arrives as a SettingsChanged event (_settings_changed)."""
        self.app.reload_settings()

    def _elsewhere_changed(self) -> None:
        """The settings or models folder changed on disk: new settings are taken up, and a
        missing model that is there now is loaded."""
        changed = self.app.reload_settings()
        loading = self.model_loader.worker is not None and self.model_loader.worker.isRunning()
        missing = self.app.embedder is None and not changed & MODEL_KEYS and not loading
        if missing and self.app.model_installed():
            self.banner.show_loading(self.app.settings.model)
            self.model_loader.load()

    def _settings_changed(self, changed: frozenset) -> None:
        """Settings changed, here or elsewhere: a model switch loads the new model (and its
        banner and label follow); audition settings show in the preview."""
        s = self.app.settings
        if changed & MODEL_KEYS:
            loaded = self.app.embedder.model_id if self.app.embedder is not None else None
            if s.model != loaded or changed - {"model"}:
                self.banner.show_loading(s.model)
                self.model_loader.load()
            self._update_model_label()
        if "auto_play" in changed:
            self.preview.auto_play.setChecked(s.auto_play)

    # -- state ----------------------------------------------------------------------------------
    def _message(self, text: str) -> None:
        if text:
            self.status_label.setText(text)

    def _restore_state(self) -> None:
        geo = self.state.blob("geometry")
        if geo is None or not self.restoreGeometry(geo):
            self.resize(1280, 800)
        for key, widget in (("split", self.split), ("right", self.right),
                            ("columns", self.table.horizontalHeader())):  # fmt: skip
            blob = self.state.blob(key)
            if blob is not None:
                widget.restoreState(blob)

    def save_state(self) -> None:
        self.state.set_blob("geometry", self.saveGeometry())
        self.state.set_blob("split", self.split.saveState())
        self.state.set_blob("right", self.right.saveState())
        self.state.set_blob("columns", self.table.horizontalHeader().saveState())
        self.state.save()
        self.app.update_settings(
            auto_play=self.preview.auto_play.isChecked(),
            loop=self.preview.loop.isChecked(),
            volume=self.preview.volume.value() / 100,
        )

    def closeEvent(self, event) -> None:
        self.save_state()
        self.keeper.shutdown()
        self.search_runner.shutdown()
        self.model_loader.shutdown()
        self._stop_writes()
        self.review.shutdown()
        self.tasks.shutdown()
        self.preview.tasks.shutdown()
        if self.audio is not None:
            self.audio.close()
        self.signals.detach()
        super().closeEvent(event)


def _results_table(model) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setDragEnabled(True)
    table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    widths = {0: 360, 1: 80, 2: 60, 3: 80, 4: 60, 5: 60, 6: 40, 7: 90, 8: 150, 9: 140}
    for col in range(header.count()):  # never narrower than the header's own words
        width = max(widths.get(col, header.sectionSize(col)),
                    header.sectionSizeFromContents(col).width())  # fmt: skip
        header.resizeSection(col, width)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    return table


def _import_waveform() -> None:
    """pyqtgraph costs ~1 s to import: done in a worker, before the view is built."""
    import soundseek.ui.waveform  # noqa: F401


def _describe(exc: Exception) -> str:
    if isinstance(exc, SoundSeekError):
        return str(exc)
    if disk_full(exc):
        return DISK_FULL_MESSAGE
    return f"{type(exc).__name__}: {exc}"
