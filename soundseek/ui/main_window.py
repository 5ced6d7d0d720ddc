"""The main window: search field, library sidebar, results, preview, indexing status."""

from __future__ import annotations

import os
import shutil

from PySide6.QtCore import (
    QEvent,
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
    QTableView,
    QVBoxLayout,
    QWidget,
)

from soundseek.core.audio import envelope_from_bytes, segment_for_embedding
from soundseek.core.models import installed_models
from soundseek.core.render import clean_renders, render_region
from soundseek.core.scanner import is_audio
from soundseek.core.search import Hit, Searcher, SearchResult
from soundseek.core.settings import save_settings
from soundseek.core.store import WINDOWS, Store, sql_str
from soundseek.core.ucs import load_catalog
from soundseek.ui import actions
from soundseek.ui.controllers import IndexController, ModelLoader, SearchRunner
from soundseek.ui.dialogs import ErrorsDialog, ModelBanner, SettingsDialog
from soundseek.ui.preview import PreviewPane
from soundseek.ui.results_model import HIT_ROLE, SORT_ROLE, ResultsModel
from soundseek.ui.sidebar import LibraryPanel
from soundseek.ui.ui_state import UiState
from soundseek.ui.watch import FolderWatcher

SEARCH_DEBOUNCE_MS = 150


class MainWindow(QMainWindow):
    def __init__(self, paths, settings, player, audio_note: str = "") -> None:
        super().__init__()
        self.paths, self.settings, self.player = paths, settings, player
        self.setWindowTitle("SoundSeek")
        self.setAcceptDrops(True)
        self.store = Store(paths.store_dir)
        self.searcher = Searcher(self.store, None, settings.caption_prompts)
        self.state = UiState(paths.config_dir / "ui_state.json")
        self._build_widgets()
        self._build_layout()
        self._connect()
        self._restore_state()
        self.refresh_library()
        self._message(audio_note)
        clean_renders(paths.render_dir)

    # -- construction -------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.search_field = QLineEdit(objectName="search")
        self.search_field.setPlaceholderText(
            'Describe a sound… e.g. door creak slow  -metal  "wooden door"  dur:<3s  sr:>=96k'
        )
        self.history = QStringListModel(self.state.history)
        self.search_field.setCompleter(QCompleter(self.history, self))
        self.banner = ModelBanner()
        self.banner.hide()
        self.sidebar = LibraryPanel(load_catalog().categories)
        self.results = ResultsModel(self._drag_path)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.results)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in ((0, 360), (1, 80), (2, 60), (3, 80), (4, 60), (5, 60), (6, 40), (7, 90)):
            header.resizeSection(col, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.preview = PreviewPane(
            self.player, self._envelope, self.settings.theme, drag_path=self._drag_path
        )
        self.preview.auto_play.setChecked(self.settings.auto_play)
        self.preview.loop.setChecked(self.settings.loop)
        self.status_label = QLabel()
        self.model_label = QLabel()
        self.progress = QProgressBar(maximumWidth=220)
        self.progress.hide()
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.errors_button = QPushButton("Errors")
        for b in (self.pause_button, self.cancel_button):
            b.hide()
        self.index_ctl = IndexController(self.paths, self.settings, self)
        self.search_runner = SearchRunner(self.searcher, self)
        self.model_loader = ModelLoader(self.paths, self.settings, self)
        self.watcher = FolderWatcher(parent=self)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self.last_result: SearchResult | None = None

    def _build_layout(self) -> None:
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.table)
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
        for w in (self.progress, self.pause_button, self.cancel_button, self.errors_button,
                  self.model_label):  # fmt: skip
            sb.addPermanentWidget(w)
        menu = self.menuBar().addMenu("&File")
        for text, slot, key in (("Add folder…", self.add_folder, "Ctrl+O"),
                                ("Settings…", self.open_settings, "Ctrl+,"),
                                ("Quit", self.close, "Ctrl+Q")):  # fmt: skip
            act = QAction(text, self, shortcut=QKeySequence(key))
            act.triggered.connect(slot)
            menu.addAction(act)

    def _connect(self) -> None:
        self.search_field.textEdited.connect(lambda _t: self._debounce.start())
        self.search_field.returnPressed.connect(self.run_search)
        self.search_field.returnPressed.connect(self.commit_query)
        self.search_field.installEventFilter(self)
        self._debounce.timeout.connect(self.run_search)
        self.sidebar.filters_changed.connect(lambda _t: self.run_search())
        self.sidebar.add_requested.connect(self.add_folder)
        self.sidebar.remove_requested.connect(self.remove_folder)
        self.sidebar.rescan_requested.connect(self.index_ctl.request)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _i: self.preview.play_from_start())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.installEventFilter(self)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.search_field.setFocus)
        self.preview.similar_requested.connect(self.more_like)
        self.preview.export_requested.connect(self.export)
        self.search_runner.results.connect(self.show_results)
        self.search_runner.failed.connect(self._message)
        self.index_ctl.progress.connect(self._index_progress)
        self.index_ctl.finished.connect(self._index_finished)
        self.index_ctl.failed.connect(self._index_failed)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button.clicked.connect(self.index_ctl.cancel)
        self.errors_button.clicked.connect(self.show_errors)
        self.watcher.changed.connect(self.index_ctl.request)
        self.model_loader.loaded.connect(self._model_loaded)
        self.model_loader.missing.connect(self.banner.show_missing)
        self.model_loader.download_progress.connect(self.banner.show_progress)
        self.banner.download_requested.connect(self.model_loader.download)
        self.banner.import_requested.connect(self.import_model)

    def start_background(self) -> None:
        """After the window is up: load the model, watch folders, catch up on changes."""
        self.model_loader.load()
        self.watcher.watch(self.settings.library_roots)
        self.index_ctl.request()

    # -- search -------------------------------------------------------------------------------
    def query_text(self) -> str:
        return f"{self.search_field.text()} {self.sidebar.filter_tokens()}".strip()

    def run_search(self) -> None:
        query = self.query_text()
        if not query:
            self.results.set_hits([])
            return
        self.search_runner.search(query)

    def commit_query(self) -> None:
        """Enter, or moving into the results, puts the query in the history (not each keystroke)."""
        self.state.remember(self.search_field.text())
        self.history.setStringList(self.state.history)

    def show_results(self, result: SearchResult, label: str) -> None:
        self.last_result = result
        self.results.set_hits(result.hits)
        note = f" · {result.notes[0]}" if result.notes else ""
        self._message(f"{len(result.hits)} results for {label}{note}")

    def more_like(self, hit: Hit, region) -> None:
        name = os.path.basename(hit.path)
        filters = self.sidebar.filter_tokens()
        if region and self.searcher.embedder is not None:
            a, b = region
            call = lambda: self.searcher.similar_audio(  # noqa: E731
                segment_for_embedding(hit.path, a, b), 200, filters
            )
            self.search_runner.submit(call, f"more like {name} {a:.1f}–{b:.1f}s")
        else:
            self.search_runner.submit(lambda: self.searcher.similar(hit.path, None, 200, filters),
                                      f"more like {name}")  # fmt: skip

    def similar_to_file(self, path: str) -> None:
        """A file dropped from outside: indexed ones by their vectors, others by listening."""
        call = lambda: self.searcher.similar_file(path)  # noqa: E731
        self.search_runner.submit(call, f"more like {os.path.basename(path)}")

    # -- selection, audition, drag ----------------------------------------------------------------
    def current_hit(self) -> Hit | None:
        idx = self.table.currentIndex()
        return idx.data(HIT_ROLE) if idx.isValid() else None

    def _current_changed(self, current, _previous) -> None:
        hit = current.data(HIT_ROLE) if current.isValid() else None
        if hit is not None:
            self.preview.show_hit(hit)

    def _envelope(self, content_hash: str):
        raw = self.store.envelope(content_hash) if content_hash else None
        return envelope_from_bytes(raw) if raw else None

    def _drag_path(self, hit: Hit) -> str:
        region = self.preview.wave.selection() if self.preview.hit is hit else None
        return actions.drag_file(
            hit, region, self.paths.render_dir, self.settings.drag_render_unsupported
        )

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
        return False

    def _context_menu(self, pos) -> None:
        hit = self.current_hit()
        if hit is None:
            return
        menu = QMenu(self)
        menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(hit.path))
        menu.addAction("Reveal in file manager", lambda: actions.reveal(hit.path))
        menu.addAction("More like this", lambda: self.more_like(hit, None))
        menu.addAction("Export…", lambda: self.export(hit, None))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def export(self, hit: Hit, region) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder")
        if not folder:
            return
        if region:
            out = render_region(hit.path, region[0], region[1], self.paths.render_dir)
            target = shutil.move(str(out), os.path.join(folder, out.name))
        else:
            target = shutil.copy2(hit.path, folder)
        self._message(f"exported {target}")

    # -- drops from outside -------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() and is_audio(u.toLocalFile()) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and event.source() is None:
            self.similar_to_file(urls[0].toLocalFile())
            event.acceptProposedAction()

    # -- library and indexing -------------------------------------------------------------------
    def add_folder(self, path: str | None = None) -> None:
        path = path or QFileDialog.getExistingDirectory(self, "Add a library folder")
        if path and self.settings.add_root(path):
            save_settings(self.paths, self.settings)
            self.watcher.watch(self.settings.library_roots)
            self.refresh_library()
            self.index_ctl.request()

    def remove_folder(self, path: str) -> None:
        if self.settings.remove_root(path):
            save_settings(self.paths, self.settings)
            self.watcher.watch(self.settings.library_roots)
            self.refresh_library()
            self.index_ctl.request()

    def refresh_library(self) -> None:
        rows = []
        for root in self.settings.library_roots:
            n = self.store.count(where=f"path LIKE {sql_str(root.rstrip('/') + '/%')}")
            state = "offline" if not os.path.isdir(root) else (
                "indexing…" if self.index_ctl.running else "up to date")  # fmt: skip
            rows.append((root, n, state))
        self.sidebar.set_folders(rows)
        self._update_status()

    def _update_status(self) -> None:
        emb = self.searcher.embedder
        model = f"{emb.model_id} · {emb.device}" if emb else f"{self.settings.model} (not loaded)"
        indexed = self.store.count(where="status = 'indexed'")
        errors = self.store.count(where="status = 'error'")
        self.errors_button.setText(f"Errors ({errors})")
        self.errors_button.setVisible(errors > 0)
        self.setWindowTitle(f"SoundSeek — {indexed} files indexed")
        windows = self.store.count(WINDOWS)
        self.model_status = f"Model: {model} · {indexed} files indexed · {windows} windows"
        self.model_label.setText(self.model_status)

    def _index_progress(self, p) -> None:
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.show()
        if p.phase == "embed":
            eta = p.eta_seconds
            eta_text = f" · ETA {int(eta // 60)}:{int(eta % 60):02d}" if eta else ""
            hours = p.audio_seconds / 3600
            text = f"Indexing {p.files_done}/{p.files_total} files · {hours:.2f} h audio{eta_text}"
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
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.hide()
        self.refresh_library()
        cancelled = last is not None and last.phase == "cancelled"
        self._message("Indexing cancelled" if cancelled else "Index up to date")
        self.run_search()

    def _index_failed(self, message: str) -> None:
        self._index_finished(None)
        self._message(f"Indexing stopped: {message}")

    def _toggle_pause(self) -> None:
        self.pause_button.setText("Resume" if self.index_ctl.toggle_pause() else "Pause")

    def show_errors(self) -> None:
        ErrorsDialog(self.store.files("status = 'error'", ["path", "error"]), self).exec()

    # -- model --------------------------------------------------------------------------------
    def _model_loaded(self, embedder) -> None:
        self.searcher.embedder = embedder
        self.index_ctl.embedder = embedder
        self.banner.hide()
        save_settings(self.paths, self.settings)
        self._update_status()
        self._message(f"Sound search ready ({embedder.model_id} on {embedder.device})")
        if self.store.count(where="status = 'pending'") or not self.store.vectors_match(
            embedder.model_id, embedder.dim
        ):
            self.index_ctl.request()

    def import_model(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a CLAP model folder")
        if path:
            self.model_loader.import_from(path)

    def open_settings(self) -> None:
        dlg = SettingsDialog(self.settings, [p.name for p in installed_models(self.paths)], self)
        if dlg.exec():
            old_model = self.settings.model
            dlg.apply()
            save_settings(self.paths, self.settings)
            self.preview.auto_play.setChecked(self.settings.auto_play)
            self.watcher.watch(self.settings.library_roots)
            self.refresh_library()
            if self.settings.model != old_model:
                self.model_loader.load()
            self.index_ctl.request()

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
        self.settings.auto_play = self.preview.auto_play.isChecked()
        self.settings.loop = self.preview.loop.isChecked()
        self.settings.volume = self.player.volume
        save_settings(self.paths, self.settings)

    def closeEvent(self, event) -> None:
        self.save_state()
        self.watcher.stop()
        self.index_ctl.shutdown()
        for worker in (self.search_runner.worker, self.model_loader.worker):
            if worker is not None:
                worker.wait(60_000)
        self.preview.wait_idle()
        super().closeEvent(event)
