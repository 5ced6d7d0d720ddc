"""What the Transfer menu and the results' context menu do with sounds: transfer the selection
into the transfer folder, spot the previewed sound into Pro Tools (both in the background,
reported in the status bar), and show the transfer history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from soundseek.app import App
from soundseek.ui.drag_handle import DragHandle
from soundseek.ui.transfer_history import TransferHistoryDialog

if TYPE_CHECKING:
    from soundseek.ui.preview import PreviewPane
    from soundseek.ui.results_table import ResultsSelection
    from soundseek.ui.threads import Tasks


class TransferActions(QObject):
    message = Signal(str)

    def __init__(self, app: App, selection: ResultsSelection, preview: PreviewPane, tasks: Tasks,
                 parent: QWidget) -> None:  # fmt: skip
        super().__init__(parent)
        self.app = app
        self.selection = selection
        self.preview = preview
        self.tasks = tasks
        self.dialog_parent = parent
        DragHandle.on_failure = lambda exc: self.message.emit(f"nothing dropped: {exc}")

    def clean_old_renders(self) -> int:
        """Renders made ahead for drags and not dropped within a week (a drop linked or
        copied its own file into the transfer folder, which is never cleaned: DAWs that
        reference files where they lie need them there)."""
        return self.app.transfers.clean_staged()

    def transfer_selected(self) -> None:
        """The selected rows (the previewed one as auditioned) into the transfer folder."""
        hits = self.selection.selected_hits()
        if not hits:
            self.message.emit("select the sounds to transfer first")
            return
        self.message.emit(f"transferring {len(hits)} sound{'s' if len(hits) != 1 else ''}…")

        def run() -> list[str]:
            return [p for h in hits for p in self.preview.transfer_paths(h)]

        self.tasks.run(run, self._transferred, lambda exc: self.message.emit(f"transfer: {exc}"))

    def _transferred(self, paths: list[str]) -> None:
        folder = self.app.transfers.folder
        self.message.emit(f"transferred {len(paths)} file{'s' if len(paths) != 1 else ''} "
                          f"to {folder}")  # fmt: skip

    def spot_to_pro_tools(self) -> None:
        """The previewed sound (its selected region, pitch and reverse) at Pro Tools' edit
        cursor, on a new track."""
        hit = self.preview.hit or self.selection.current_hit()
        if hit is None:
            self.message.emit("select a sound to spot first")
            return
        self.message.emit("spotting to Pro Tools…")
        self.tasks.run(lambda: self.preview.spot(hit), self._spotted,
                       lambda exc: self.message.emit(f"spot: {exc}"))  # fmt: skip

    def _spotted(self, done) -> None:
        self.message.emit(f"spotted to Pro Tools at {done.timecode} on "
                          f"{', '.join(done.tracks)}")  # fmt: skip

    def show_history(self) -> None:
        TransferHistoryDialog(self.app, self.dialog_parent).exec()
