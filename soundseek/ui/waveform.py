"""Waveform overview from the stored peak envelope: playhead, click-to-seek, drag-to-select."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from soundseek.ui.theme import WAVE_COLOURS

MIN_SELECTION = 0.02
ZOOM_DEBOUNCE_MS = 120
DETAIL_BELOW = 400  # overview bins left in view before the visible span is read in detail


class _WaveViewBox(pg.ViewBox):
    """Left click seeks, left drag selects, wheel zooms time; no pan, no context menu."""

    def __init__(self, owner: WaveformView) -> None:
        super().__init__(enableMenu=False)
        self.owner = owner
        self.setMouseEnabled(x=True, y=False)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.owner.clear_selection()
            self.owner.seek_requested.emit(max(0.0, self.mapSceneToView(ev.scenePos()).x()))

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        a = self.mapSceneToView(ev.buttonDownScenePos()).x()
        b = self.mapSceneToView(ev.scenePos()).x()
        self.owner.set_selection(min(a, b), max(a, b))


class WaveformView(QWidget):
    seek_requested = Signal(float)
    selection_changed = Signal(object)
    detail_wanted = Signal(float, float)

    def __init__(self, theme: str = "dark", parent=None) -> None:
        super().__init__(parent)
        colours = WAVE_COLOURS.get(theme, WAVE_COLOURS["dark"])
        self.duration = 0.0
        self.envelope = np.zeros((0, 2), np.float32)
        self._vb = _WaveViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self._vb, background=colours["bg"])
        self.plot.hideAxis("left")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        pen = pg.mkPen(colours["wave"], width=1)
        self._lo = pg.PlotDataItem(pen=pen)
        self._hi = pg.PlotDataItem(pen=pen)
        self._fill = pg.FillBetweenItem(self._lo, self._hi, brush=pg.mkBrush(colours["wave"]))
        self._match = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(*colours["match"]))
        self._selection = pg.LinearRegionItem(brush=pg.mkBrush(255, 255, 255, 45))
        self._playhead = pg.InfiniteLine(0, pen=pg.mkPen(colours["play"], width=2))
        for item in (self._fill, self._lo, self._hi, self._match, self._selection, self._playhead):
            self.plot.addItem(item)
        self._match.hide()
        self._selection.hide()
        self._selection.sigRegionChangeFinished.connect(self._selection_moved)
        self.plot.setYRange(-1, 1, padding=0.05)
        self.detail: tuple[float, float] | None = None
        self._zoom_timer = QTimer(self, singleShot=True, interval=ZOOM_DEBOUNCE_MS)
        self._zoom_timer.timeout.connect(self._ask_detail)
        self._vb.sigXRangeChanged.connect(lambda *_: self._zoom_timer.start())
        self.placeholder = QLabel("Select a sound to see its waveform",
                                  alignment=Qt.AlignmentFlag.AlignCenter)  # fmt: skip
        self.placeholder.setStyleSheet("color: gray;")
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.plot)

    def is_empty(self) -> bool:
        """True while no sound is drawn (the placeholder shows instead of an empty axis)."""
        return self._stack.currentWidget() is self.placeholder

    def clear(self) -> None:
        """No sound: the placeholder, not an axis around nothing."""
        self.envelope, self.duration, self.detail = np.zeros((0, 2), np.float32), 0.0, None
        self._draw(self.envelope, 0.0, 0.0)
        self._match.hide()
        self.clear_selection()
        self._stack.setCurrentWidget(self.placeholder)

    def set_envelope(self, peaks: np.ndarray, duration: float) -> None:
        """Draw (bins, 2) min/max pairs spread over the file's duration (constant cost)."""
        self.envelope, self.duration = peaks, max(duration, 1e-3)
        self.detail = None
        self._draw(peaks, 0.0, self.duration)
        self._vb.setLimits(xMin=0, xMax=self.duration, minXRange=min(0.01, self.duration))
        self.plot.setXRange(0, self.duration, padding=0)
        self.clear_selection()
        self.set_playhead(0.0)
        self._stack.setCurrentWidget(self.plot)

    def _draw(self, peaks: np.ndarray, start: float, end: float) -> None:
        x = np.linspace(start, end, len(peaks)) if len(peaks) else np.zeros(0)
        self._lo.setData(x, peaks[:, 0] if len(peaks) else x)
        self._hi.setData(x, peaks[:, 1] if len(peaks) else x)

    def _ask_detail(self) -> None:
        """Zoomed in far enough that the overview is coarse: ask for the visible span in detail."""
        a, b = self._vb.viewRange()[0]
        a, b = max(0.0, a), min(self.duration, b)
        coarse = len(self.envelope) and (b - a) / self.duration * len(self.envelope) < DETAIL_BELOW
        if coarse and self.detail != (a, b):
            self.detail_wanted.emit(a, b)
        elif not coarse and self.detail is not None:
            self.detail = None
            self._draw(self.envelope, 0.0, self.duration)

    def set_detail(self, start: float, end: float, peaks: np.ndarray) -> None:
        self.detail = (start, end)
        self._draw(peaks, start, end)

    def set_match(self, start: float | None, end: float | None) -> None:
        if start is None or end is None or self.duration <= 10.0:
            self._match.hide()
            return
        self._match.setRegion((start, end))
        self._match.show()

    def set_playhead(self, seconds: float) -> None:
        self._playhead.setValue(seconds)

    @property
    def playhead(self) -> float:
        return float(self._playhead.value())

    def set_selection(self, start: float, end: float) -> None:
        start, end = max(0.0, start), min(self.duration, end)
        if end - start < MIN_SELECTION:
            self.clear_selection()
            return
        self._selection.setRegion((start, end))
        self._selection.show()
        self.selection_changed.emit((start, end))

    def clear_selection(self) -> None:
        if self._selection.isVisible():
            self._selection.hide()
            self.selection_changed.emit(None)

    def selection(self) -> tuple[float, float] | None:
        if not self._selection.isVisible():
            return None
        a, b = self._selection.getRegion()
        return float(a), float(b)

    def _selection_moved(self) -> None:
        if self._selection.isVisible():
            self.selection_changed.emit(self.selection())
