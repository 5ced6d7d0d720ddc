"""Settings, unreadable-files list, and the first-start model panel."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from soundseek.app.settings import Settings
from soundseek.app.status import FileError
from soundseek.errors import ModelDownloadFailed, ModelInvalid


class SettingsDialog(QDialog):
    """Model, device, exclusions, audition and drag options, theme. (Library folders live in
    the sidebar: add, remove, locate.)"""

    def __init__(
        self, settings: Settings, known: dict[str, str], installed: list[str], parent=None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("SoundSeek settings")
        self.settings = settings
        self.model = QComboBox(editable=True)
        for name in dict.fromkeys([settings.model, *known, *installed]):
            summary = known.get(name)
            self.model.addItem(f"{name}" + (f" — {summary}" if summary else ""), name)
        self.device = QComboBox()
        for d in ("auto", "cuda", "mps", "cpu"):
            self.device.addItem(d)
        self.device.setCurrentText(settings.device)
        self.exclusions = QPlainTextEdit("\n".join(settings.exclusions))
        self.exclusions.setPlaceholderText("one pattern per line, e.g. */Bounces or *_preview.wav")
        self.auto_play = QCheckBox("Play the selected result at once", checked=settings.auto_play)
        self.render = QCheckBox(
            "Drag OGG/Opus/MP3 as WAV (many DAWs reject them)",
            checked=settings.drag_render_unsupported,
        )
        self.transfer_folder = QLineEdit(settings.transfer_folder)
        self.transfer_folder.setPlaceholderText("~/Music/SoundSeek Transfers")
        self.transfer_folder.setToolTip("Where transferred copies for DAWs go (empty: the default)")
        self.theme = QComboBox()
        self.theme.addItems(["dark", "light"])
        self.theme.setCurrentText(settings.theme)
        form = QFormLayout(self)
        for label, widget in (("Model", self.model), ("Device", self.device),
                              ("Exclusions", self.exclusions),
                              ("Audition", self.auto_play), ("Drag", self.render),
                              ("Transfer folder", self.transfer_folder),
                              ("Theme (restart)", self.theme)):  # fmt: skip
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def changes(self) -> dict[str, object]:
        """Only what the user changed in this dialog, as keyword arguments for
        `App.update_settings`: a key left alone is not saved, so a change another process
        made meanwhile (a model chosen from the terminal) is never written back over."""
        shown = self.settings
        return {k: v for k, v in self.values().items() if getattr(shown, k) != v}

    def values(self) -> dict[str, object]:
        """Every setting as the dialog shows it now."""
        model = self.model.currentData() or self.model.currentText().split(" — ")[0].strip()
        lines = self.exclusions.toPlainText().splitlines()
        return {
            "model": model,
            "device": self.device.currentText(),
            "exclusions": [p.strip() for p in lines if p.strip()],
            "auto_play": self.auto_play.isChecked(),
            "drag_render_unsupported": self.render.isChecked(),
            "transfer_folder": self.transfer_folder.text().strip(),
            "theme": self.theme.currentText(),
        }


class ErrorsDialog(QDialog):
    """Files that could not be read, with the reason; they are retried when they change."""

    def __init__(self, errors: list[FileError], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Unreadable files ({len(errors)})")
        self.resize(900, 400)
        table = QTableWidget(len(errors), 2)
        table.setHorizontalHeaderLabels(["File", "Reason"])
        for i, e in enumerate(errors):
            table.setItem(i, 0, QTableWidgetItem(e.path))
            table.setItem(i, 1, QTableWidgetItem(e.reason))
        table.resizeColumnsToContents()
        box = QVBoxLayout(self)
        box.addWidget(QLabel("These files are skipped until they change on disk."))
        box.addWidget(table)


class EmptyLibrary(QWidget):
    """In place of the results while the library has no folder: what to do first."""

    add_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        title = QLabel("<h2>Add a folder to start</h2>", alignment=Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Choose a folder of sounds. SoundSeek reads their names and metadata at once, "
            "listens to them in the background, and keeps up with changes.",
            alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True,
        )  # fmt: skip
        self.button = QPushButton("Add a folder…")
        self.button.setDefault(True)
        self.button.clicked.connect(self.add_requested)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(title)
        box.addWidget(text)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)


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
        self.state = ""
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.bar)
        row.addWidget(self.download)
        row.addWidget(self.importer)

    def show_error(self, error: Exception) -> None:
        """Say what is wrong in the user's terms (missing, broken, or the download failed),
        once, with what to do in the window: the buttons, never terminal commands."""
        lead = "Searching by names and metadata works now."
        if isinstance(error, ModelDownloadFailed):
            title, hint = "Download failed", "Check the connection and try again, or import."
            detail = _first_sentence(str(error))
        elif isinstance(error, ModelInvalid):
            title, hint = "The sound model cannot be used", "Import a working copy."
            detail = str(error)
        else:
            title = "No sound model yet"
            hint = ("To search by how things sound, download the model (once; it needs internet) "
                    "or import a model folder you already have.")  # fmt: skip
            detail = ""
        self.state = type(error).__name__
        small = f"<br><small>{html.escape(detail)}</small>" if detail else ""
        self.text.setText(f"<b>{title}</b> — {lead} {hint}{small}")
        self.text.setToolTip(str(error))
        self.bar.hide()
        self.download.setEnabled(True)
        self.show()

    def show_loading(self, model: str) -> None:
        """A model was chosen (here or from a terminal): loading it in the background."""
        self.state = "loading"
        self.text.setText(f"<b>Loading the sound model</b> {html.escape(model)}…")
        self.bar.hide()

    def show_progress(self, done: int, total: int) -> None:
        self.bar.show()
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)


def _first_sentence(text: str) -> str:
    """A download error's own reason, without the how-to that follows it (for a terminal)."""
    return text.split(". ", 1)[0] + "." if ". " in text else text
