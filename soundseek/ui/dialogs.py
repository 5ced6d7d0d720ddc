"""Settings, unreadable-files list, and the first-start model panel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from soundseek.core.models import KNOWN_MODELS
from soundseek.core.settings import Settings


class SettingsDialog(QDialog):
    """Model, device, folders, exclusions, audition and drag options, theme."""

    def __init__(self, settings: Settings, installed: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SoundSeek settings")
        self.settings = settings
        self.model = QComboBox(editable=True)
        for name in dict.fromkeys([settings.model, *KNOWN_MODELS, *installed]):
            info = KNOWN_MODELS.get(name)
            self.model.addItem(f"{name}" + (f" — {info.summary}" if info else ""), name)
        self.device = QComboBox()
        for d in ("auto", "cuda", "mps", "cpu"):
            self.device.addItem(d)
        self.device.setCurrentText(settings.device)
        self.folders = QPlainTextEdit("\n".join(settings.library_roots))
        self.exclusions = QPlainTextEdit("\n".join(settings.exclusions))
        self.exclusions.setPlaceholderText("one pattern per line, e.g. */Bounces or *_preview.wav")
        self.auto_play = QCheckBox("Play the selected result at once", checked=settings.auto_play)
        self.render = QCheckBox(
            "Drag OGG/Opus/MP3 as WAV (many DAWs reject them)",
            checked=settings.drag_render_unsupported,
        )
        self.theme = QComboBox()
        self.theme.addItems(["dark", "light"])
        self.theme.setCurrentText(settings.theme)
        form = QFormLayout(self)
        for label, widget in (("Model", self.model), ("Device", self.device),
                              ("Library folders", self.folders), ("Exclusions", self.exclusions),
                              ("Audition", self.auto_play), ("Drag", self.render),
                              ("Theme (restart)", self.theme)):  # fmt: skip
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def apply(self) -> None:
        s = self.settings
        s.model = self.model.currentData() or self.model.currentText().split(" — ")[0]
        s.device = self.device.currentText()
        s.library_roots = [p.strip() for p in self.folders.toPlainText().splitlines() if p.strip()]
        s.exclusions = [p.strip() for p in self.exclusions.toPlainText().splitlines() if p.strip()]
        s.auto_play = self.auto_play.isChecked()
        s.drag_render_unsupported = self.render.isChecked()
        s.theme = self.theme.currentText()


class ErrorsDialog(QDialog):
    """Files that could not be read, with the reason; they are retried when they change."""

    def __init__(self, errors: list[dict], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Unreadable files ({len(errors)})")
        self.resize(900, 400)
        table = QTableWidget(len(errors), 2)
        table.setHorizontalHeaderLabels(["File", "Reason"])
        for i, e in enumerate(errors):
            table.setItem(i, 0, QTableWidgetItem(e["path"]))
            table.setItem(i, 1, QTableWidgetItem(e["error"]))
        table.resizeColumnsToContents()
        box = QVBoxLayout(self)
        box.addWidget(QLabel("These files are skipped until they change on disk."))
        box.addWidget(table)


class ModelBanner(QFrame):
    """Shown while no model is loaded: metadata search works, sound search needs a model."""

    download_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.download = QPushButton("Download model")
        self.download.clicked.connect(self.download_requested)
        self.importer = QPushButton("Import from disk…")
        self.importer.clicked.connect(self.import_requested)
        self.bar = QProgressBar()
        self.bar.hide()
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.bar)
        row.addWidget(self.download)
        row.addWidget(self.importer)

    def show_missing(self, message: str) -> None:
        self.text.setText(
            "<b>No sound model yet</b> — searching by names and metadata works now. "
            f"Sound search needs a LAION-CLAP model.<br><small>{message}</small>"
        )
        self.bar.hide()
        self.show()

    def show_progress(self, done: int, total: int) -> None:
        self.bar.show()
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
