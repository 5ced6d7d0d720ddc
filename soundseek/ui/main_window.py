"""The main window: a view over the application. It builds the search field, the library
sidebar, the results, the preview and the status bar, lays them out, and wires them to the
controllers that do the work (search, review, write-back, library, model). Every index read
runs off the UI thread; the window shows before the index or the model is opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from soundseek.app import App
from soundseek.ui.app_jobs import KeeperController, ModelLoader, SearchRunner
from soundseek.ui.bridge import AppSignals
from soundseek.ui.dialogs import EmptyLibrary, ModelBanner
from soundseek.ui.duplicates_view import DuplicatesDialog
from soundseek.ui.elided_label import ElidedLabel
from soundseek.ui.error_text import describe_error
from soundseek.ui.library_controller import LibraryController, LibraryWidgets
from soundseek.ui.menus import (
    add_file_menu,
    add_library_menu,
    add_review_menu,
    add_transfer_menu,
    show_hit_menu,
)
from soundseek.ui.model_controller import ModelController
from soundseek.ui.preview import PreviewPane
from soundseek.ui.results_copies import CopyRows
from soundseek.ui.results_model import ResultsModel
from soundseek.ui.results_table import ResultsProxy, ResultsSelection, make_results_table
from soundseek.ui.review_actions import ReviewActions
from soundseek.ui.review_controller import VIEWS, ReviewController
from soundseek.ui.search_controller import QueryHistory, SearchController
from soundseek.ui.sidebar import LibraryPanel
from soundseek.ui.threads import Tasks
from soundseek.ui.transfer_actions import TransferActions
from soundseek.ui.ui_state import UiState
from soundseek.ui.write_actions import WriteActions

if TYPE_CHECKING:
    from soundseek.audio.playback import Player
    from soundseek.ui.audio_device import AudioSwitch

SEARCH_DEBOUNCE_MS = 150
DEFAULT_SIZE = (1280, 800)


class MainWindow(QMainWindow):
    """Builds, lays out and wires; what each part does lives in its controller."""

    def __init__(self, app: App, open_output: Callable | None = None) -> None:
        super().__init__()
        self.app = app
        self.open_output = open_output
        self.player: Player | None = None
        self.audio: AudioSwitch | None = None
        self.library_ready = False
        self.setWindowTitle("SoundSeek")
        self.setAcceptDrops(True)
        self.state = UiState(app.paths.config_dir / "ui_state.json")
        self.signals = AppSignals(app, self)
        self.tasks = Tasks(self)
        self._build_widgets()
        self._build_controllers()
        self._build_layout()
        self._build_menus()
        self._connect_search()
        self._connect_controllers()
        self._restore_state()
        self.library.show_folders(app.roots.cached_root_summaries())
        self.search_field.setFocus()

    # -- construction -------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        s = self.app.settings
        self.search_field = QLineEdit(objectName="search")
        self.history = QStringListModel(self.state.history)
        self.search_field.setCompleter(QCompleter(self.history, self))
        self.banner = ModelBanner()
        self.banner.hide()
        self.sidebar = LibraryPanel(self.app.ucs_categories(), VIEWS)
        self.results = ResultsModel(lambda hit: self.preview.drag_paths(hit))
        self.proxy = ResultsProxy(self)
        self.proxy.setSourceModel(self.results)
        self.table = make_results_table(self.proxy)
        self.empty = EmptyLibrary()
        self.results_stack = QStackedWidget()
        self.preview = PreviewPane(self.app, s.theme)
        self.preview.auto_play.setChecked(s.auto_play)
        self.preview.loop.setChecked(s.loop)
        self.preview.volume.setValue(int(s.volume * 100))
        self.status_label = ElidedLabel()
        self.audio_label = QLabel()
        self.audio_retry = QPushButton("Retry audio")
        self.model_label = QLabel()
        self.progress = QProgressBar(maximumWidth=220)
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.errors_button = QPushButton("Errors")
        for hidden in (self.audio_retry, self.progress, self.pause_button, self.cancel_button,
                       self.errors_button):  # fmt: skip
            hidden.hide()
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)

    def _build_controllers(self) -> None:
        app = self.app
        self.keeper = KeeperController(app, self)
        self.search_runner = SearchRunner(self)
        self.model_loader = ModelLoader(app, self)
        self.review = ReviewController(app, self)
        self.selection = ResultsSelection(self.table, self.proxy)
        self.query_history = QueryHistory(self.state, self.history, self.search_field)
        self.search = SearchController(
            app, self.search_field, self.sidebar, self.results, self.selection, self.preview,
            self.search_runner, self.review, self.tasks, self,
        )  # fmt: skip
        self.review_actions = ReviewActions(
            app, self.review, self.selection, self.results, self.preview.tags, self.sidebar,
            self.search, self,
        )  # fmt: skip
        self.write_actions = WriteActions(app, self.selection, self.tasks, self)
        self.transfer_actions = TransferActions(app, self.selection, self.preview, self.tasks, self)
        self.copy_rows = CopyRows(self.results, self.selection, self.review, self)
        self.duplicates = DuplicatesDialog(app, self.tasks, self.preview, self.write_actions, self)
        library_widgets = LibraryWidgets(
            self.sidebar, self.results_stack, self.table, self.empty, self.progress,
            self.pause_button, self.cancel_button, self.errors_button,
        )  # fmt: skip
        self.library = LibraryController(app, self.keeper, self.tasks, library_widgets, self)
        self.models = ModelController(
            app, self.model_loader, self.keeper, self.banner, self.model_label, self.progress,
            self.preview.auto_play, self,
        )  # fmt: skip

    def _build_layout(self) -> None:
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

    def _build_menus(self) -> None:
        add_file_menu(self, self.library.add_folder, self.models.open_settings, self.close)
        add_review_menu(self, self.review_actions, self.write_actions)
        add_transfer_menu(self, self.transfer_actions)
        add_library_menu(self, self.duplicates.show_view)

    def _connect_search(self) -> None:
        field, search, review = self.search_field, self.search, self.review_actions
        field.textEdited.connect(lambda _t: review.leave_view())
        field.returnPressed.connect(review.leave_view)
        field.textEdited.connect(lambda _t: self._debounce.start())
        field.returnPressed.connect(search.run)
        field.returnPressed.connect(self.query_history.commit)
        field.installEventFilter(self)
        self._debounce.timeout.connect(search.run)
        self.sidebar.filters_changed.connect(lambda _t: (review.leave_view(), search.run()))
        self.table.selectionModel().currentRowChanged.connect(search.show_current)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: review.update_tags())
        self.proxy.modelReset.connect(search.rows_replaced)
        self.proxy.modelReset.connect(review.update_tags)
        self.table.doubleClicked.connect(lambda _i: self.preview.play_from_start())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.installEventFilter(self)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.search_field.setFocus)
        QShortcut(QKeySequence("Ctrl+T"), self, activated=review.focus_tags)
        self.preview.similar_requested.connect(search.more_like)
        self.preview.export_requested.connect(search.export)
        self.search_runner.results.connect(search.show_results)
        self.search_runner.failed.connect(lambda exc: self.show_message(describe_error(exc)))

    def _connect_controllers(self) -> None:
        for source in (self.search, self.review, self.review_actions, self.write_actions,
                       self.transfer_actions, self.library, self.models,
                       self.duplicates.actions):  # fmt: skip
            source.message.connect(self.show_message)
        self.library.title_changed.connect(self.setWindowTitle)
        self.library.indexed_counted.connect(self.models.show_label)
        self.library.index_done.connect(self.review.writes.retry)
        self.library.index_done.connect(self.review.learn)
        self.library.search_needed.connect(self.search.run)
        self.write_actions.files_changed.connect(self.review.changed)
        self.signals.roots_changed.connect(self.library.refresh)
        self.signals.model_changed.connect(self.models.model_changed)
        self.signals.settings_changed.connect(self.models.settings_changed)
        self.signals.model_preparing.connect(self.models.model_preparing)
        self.audio_retry.clicked.connect(lambda: self.audio and self.audio.retry())

    # -- start-up, in the background -------------------------------------------------------
    def start_background(self) -> None:
        """After the window is up: open the index, then audio, waveform and model, then keep
        the library current. Searches typed meanwhile wait for the index, never the window."""
        self.tasks.run(self.app.open_index, self._library_opened, self._library_failed)

    def _library_opened(self, notes: list[str]) -> None:
        self.library_ready = True
        self.show_message(" · ".join(notes) if notes else "Library open")
        if self.search_field.text():
            self.search.run()
        self.library.refresh()
        self.review.refresh_known_tags()
        self.review.learn()
        self._start_audio()
        self.tasks.run(_import_waveform, lambda _r: self.preview.attach_waveform())
        self.model_loader.load()
        self.tasks.run(self.transfer_actions.clean_old_renders, lambda _n: None)

    def _library_failed(self, exc: Exception) -> None:
        self.show_message(f"The index could not be opened: {describe_error(exc)}")

    def _start_audio(self) -> None:
        from soundseek.ui.audio_device import start_audio

        self.audio = start_audio(self.app.settings.volume, self.open_output, self)
        self.audio.status_changed.connect(self._audio_status)
        self._audio_status(self.audio.status)
        self.player = self.audio.player
        self.preview.attach_player(self.player)

    def _audio_status(self, text: str) -> None:
        """Said in the user's terms; the audio library's own words are in the tooltip."""
        self.audio_label.setText(text)
        self.audio_label.setToolTip(self.audio.hint if self.audio is not None and text else "")
        self.audio_retry.setVisible(bool(text))

    def show_message(self, text: str) -> None:
        """In the status bar; an empty text leaves the last message up."""
        if text:
            self.status_label.setText(text)

    # -- keys and menus ------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        if obj is self.search_field:
            return self._search_field_key(event.key())
        if obj is self.table:
            return self._results_key(event.key(), event.modifiers())
        return False

    def _search_field_key(self, key: int) -> bool:
        """Down moves into the results (committing the query); Esc ends "like this"."""
        if key == Qt.Key.Key_Down and self.proxy.rowCount():
            self.query_history.commit()
            self.table.setFocus()
            self.selection.select_row(0)
            return True
        if key == Qt.Key.Key_Escape:
            return self.search.end_like()
        return False

    def _results_key(self, key: int, modifiers) -> bool:
        """Space plays or stops, Enter plays from the start, Esc goes back to the field,
        + and - mark the current hit, Right and Left show and fold its copies, plain letters
        are the review keys."""
        if key == Qt.Key.Key_Space:
            self.preview.toggle()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.preview.play_from_start()
            return True
        if key == Qt.Key.Key_Escape:
            self.search_field.setFocus()
            return True
        if self.search.steer_key(key) or self.copy_rows.key(key):
            return True
        if modifiers == Qt.KeyboardModifier.NoModifier:
            return self.review_actions.review_key(key)
        return False

    def _context_menu(self, pos) -> None:
        hit = self.selection.current_hit()
        if hit is not None:
            at = self.table.viewport().mapToGlobal(pos)
            show_hit_menu(self, at, hit, self.search, self.review_actions, self.transfer_actions,
                          self.copy_rows)  # fmt: skip

    # -- Qt events -----------------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        """Coming back to the window (after a terminal, say): a cheap look at the settings
        file, in case a change was missed while watching."""
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.models.check_settings()
        super().changeEvent(event)

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        media = self.app.media
        if urls and all(u.isLocalFile() and media.is_audio_file(u.toLocalFile()) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A sound dropped from outside: search for sounds like it."""
        urls = event.mimeData().urls()
        if urls and event.source() is None:
            self.search.similar_to_file(urls[0].toLocalFile())
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        self.save_state()
        for part in (self.keeper, self.search_runner, self.model_loader, self.write_actions,
                     self.duplicates.actions, self.review, self.tasks,
                     self.preview.tasks):  # fmt: skip
            part.shutdown()  # in this order: the workers end before the window goes
        if self.audio is not None:
            self.audio.close()
        self.signals.detach()
        super().closeEvent(event)

    # -- state ---------------------------------------------------------------------------------
    def _layout_parts(self) -> dict:
        return {"split": self.split, "right": self.right, "columns": self.table.horizontalHeader()}

    def _restore_state(self) -> None:
        self.state.restore_layout(self, self._layout_parts(), DEFAULT_SIZE)

    def save_state(self) -> None:
        """Geometry, splitters and columns in the UI state; audition settings in settings."""
        self.state.keep_layout(self, self._layout_parts())
        self.state.save()
        self.app.update_settings(
            auto_play=self.preview.auto_play.isChecked(),
            loop=self.preview.loop.isChecked(),
            volume=self.preview.volume.value() / 100,
        )


def _import_waveform() -> None:
    """pyqtgraph costs ~1 s to import: done in a worker, before the view is built."""
    import soundseek.ui.waveform  # noqa: F401
