"""The sound model and the settings, as the window shows them: the model banner (missing,
broken, downloading), the model label, a new model's one-time preparation, importing a model
folder, the Settings dialog, and settings or models changed on disk by another process."""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QLabel, QProgressBar, QWidget

from soundseek.app import App
from soundseek.app.settings import MODEL_KEYS
from soundseek.ui.app_jobs import KeeperController, ModelLoader
from soundseek.ui.dialogs import ModelBanner, SettingsDialog

SETTINGS_SETTLE_MS = 200  # a save is a temp file then a rename: look once both are done


class ModelController(QObject):
    """Loads the model the settings name (through the ModelLoader) and says how it stands."""

    message = Signal(str)

    def __init__(
        self, app: App, loader: ModelLoader, keeper: KeeperController, banner: ModelBanner,
        label: QLabel, progress: QProgressBar, auto_play: QCheckBox, parent: QWidget,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.app = app
        self.loader = loader
        self.keeper = keeper
        self.banner = banner
        self.label = label
        self.progress = progress
        self.auto_play = auto_play
        self.dialog_parent = parent
        self._indexed = 0  # files indexed, as last counted (the label shows it)
        # The settings file is replaced atomically on save: watching its folder sees that.
        # ... and the models folder: a model installed from a terminal under the name the
        # settings already hold changes no setting.
        app.paths.models_dir.mkdir(parents=True, exist_ok=True)
        watched = [str(app.paths.config_dir), str(app.paths.models_dir)]
        self.watch = QFileSystemWatcher(watched, self)
        self._settle = QTimer(self, singleShot=True, interval=SETTINGS_SETTLE_MS)
        self._connect()

    def _connect(self) -> None:
        self.watch.directoryChanged.connect(lambda _d: self._settle.start())
        self._settle.timeout.connect(self._elsewhere_changed)
        self.loader.download_progress.connect(self.banner.show_progress)
        self.loader.failed.connect(self.banner.show_error)
        self.banner.download_requested.connect(self.loader.download)
        self.banner.import_requested.connect(self.import_model)

    # -- the model -----------------------------------------------------------------------------
    def model_changed(self, embedder, error) -> None:
        """A model was loaded (or failed to): say so, and start keeping the library current."""
        if embedder is not None:
            self.banner.hide()
            self.message.emit(f"Sound search ready ({embedder.model_id} on {embedder.device})")
            self.keeper.request()
        elif error is not None:
            self.banner.show_error(error)
        self.show_label()
        if not self.keeper.started:
            self.keeper.start()

    def model_preparing(self, e) -> None:
        """A new model's one-time export or gate (minutes on a small CPU): a named stage
        with its step count, in the status bar and the progress bar."""
        self.message.emit(e.text)
        if e.what:
            self.progress.setRange(0, max(1, e.steps))
            self.progress.setValue(e.step - 1)
            self.progress.show()
        elif not self.keeper.running:
            self.progress.hide()

    def show_label(self, indexed: int | None = None) -> None:
        """The model and its device (or that it is not loaded), and the files indexed."""
        emb = self.app.embedder
        model = (
            f"{emb.model_id} · {emb.device}" if emb else f"{self.app.settings.model} (not loaded)"
        )
        if indexed is not None:
            self._indexed = indexed
        self.label.setText(f"Model: {model} · {self._indexed} files indexed")

    def import_model(self) -> None:
        path = QFileDialog.getExistingDirectory(self.dialog_parent, "Import a CLAP model folder")
        if path:
            self.loader.import_from(path)

    # -- settings ------------------------------------------------------------------------------
    def open_settings(self) -> None:
        self.app.reload_settings()  # the dialog starts from what is saved now
        known = {m.model_id: m.summary for m in self.app.known_models()}
        installed = self.app.installed_models()
        dlg = SettingsDialog(self.app.settings, known, installed, self.dialog_parent)
        if dlg.exec():
            changes = dlg.changes()
            new = self.app.update_settings(**changes)
            self.auto_play.setChecked(new.auto_play)
            if changes:
                self.keeper.request()

    def check_settings(self) -> None:
        """Settings saved by another process (`soundseek model import`, `watch`'s host...)
        are taken up: the change arrives as a SettingsChanged event (settings_changed)."""
        self.app.reload_settings()

    def _elsewhere_changed(self) -> None:
        """The settings or models folder changed on disk: new settings are taken up, and a
        missing model that is there now is loaded."""
        changed = self.app.reload_settings()
        loading = self.loader.worker is not None and self.loader.worker.isRunning()
        missing = self.app.embedder is None and not changed & MODEL_KEYS and not loading
        if missing and self.app.model_installed():
            self.banner.show_loading(self.app.settings.model)
            self.loader.load()

    def settings_changed(self, changed: frozenset) -> None:
        """Settings changed, here or elsewhere: a model switch loads the new model (and its
        banner and label follow); audition settings show in the preview."""
        s = self.app.settings
        if changed & MODEL_KEYS:
            loaded = self.app.embedder.model_id if self.app.embedder is not None else None
            if s.model != loaded or changed - {"model"}:
                self.banner.show_loading(s.model)
                self.loader.load()
            self.show_label()
        if "auto_play" in changed:
            self.auto_play.setChecked(s.auto_play)
