"""The preview pane: waveform plus transport (play, loop, volume, auto-play) for one hit."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from soundseek.core.audio import envelope_from_bytes, file_envelope, segment_envelope
from soundseek.core.playback import Player
from soundseek.core.search import Hit
from soundseek.ui.drag_handle import DragHandle
from soundseek.ui.waveform import WaveformView
from soundseek.ui.worker import Worker

PLAYHEAD_MS = 30
LONG_FILE = 10.0


class PreviewPane(QWidget):
    similar_requested = Signal(object, object)
    export_requested = Signal(object, object)

    def __init__(
        self, player: Player, envelope_lookup, theme: str = "dark", drag_path=None, parent=None
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.envelope_lookup = envelope_lookup
        self.hit: Hit | None = None
        self._workers: list[Worker] = []
        self.title = QLabel("Select a sound")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info = QLabel("")
        self.wave = WaveformView(theme)
        self.wave.seek_requested.connect(self._seek)
        self.wave.detail_wanted.connect(self._load_detail)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle)
        self.loop = QCheckBox("Loop")
        self.loop.toggled.connect(lambda on: setattr(self.player, "loop", on))
        self.auto_play = QCheckBox("Auto-play")
        self.auto_play.setChecked(True)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(int(player.volume * 100))
        self.volume.setMaximumWidth(120)
        self.volume.valueChanged.connect(lambda v: setattr(self.player, "volume", v / 100))
        self.similar_button = QPushButton("More like this")
        self.similar_button.clicked.connect(
            lambda: self.hit and self.similar_requested.emit(self.hit, self.wave.selection())
        )
        self.export_button = QPushButton("Export selection…")
        self.export_button.clicked.connect(
            lambda: self.hit and self.export_requested.emit(self.hit, self.wave.selection())
        )
        self.time = QLabel("0:00.0")
        self.drag_handle = DragHandle(
            "⇲ Drag to DAW", lambda: drag_path(self.hit) if drag_path and self.hit else None
        )
        self._layout()
        self._timer = QTimer(self, interval=PLAYHEAD_MS, timeout=self._tick)
        self._timer.start()

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for w in (self.play_button, self.loop, self.auto_play, QLabel("Vol"), self.volume):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.time, self.drag_handle, self.similar_button, self.export_button):
            bar.addWidget(w)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.title)
        box.addWidget(self.info)
        box.addWidget(self.wave, 1)
        box.addLayout(bar)

    # -- showing a hit ----------------------------------------------------------------------
    def show_hit(self, hit: Hit, autoplay: bool | None = None) -> None:
        """Show and (if auto-play) audition a hit: long files start at the matching moment."""
        self.hit = hit
        f = hit.file
        self.title.setText(os.path.basename(hit.path))
        sr = (f.get("samplerate") or 0) / 1000
        self.info.setText(
            f"{f.get('duration', 0):.2f} s · {sr:g} kHz · {f.get('channels')} ch · "
            f"{(f.get('ext') or '').upper()} · {f.get('description') or f.get('libfolder') or ''}"
        )
        peaks = self.envelope_lookup(f.get("content_hash") or "")
        if peaks is not None:
            self.wave.set_envelope(peaks, f.get("duration") or 0.0)
        else:
            self._run(
                lambda _c: envelope_from_bytes(file_envelope(hit.path)), self._envelope_ready(hit)
            )
        self.wave.set_match(hit.start, hit.end)
        play = self.auto_play.isChecked() if autoplay is None else autoplay
        self._load_audio(hit, self.start_point(hit) if play else None)

    def start_point(self, hit: Hit) -> float:
        long = (hit.file.get("duration") or 0) > LONG_FILE
        return hit.start if long and hit.start is not None else 0.0

    def _load_detail(self, start: float, end: float) -> None:
        hit = self.hit
        if hit is None:
            return

        def apply(peaks) -> None:
            if self.hit is hit:
                self.wave.set_detail(start, end, peaks)

        self._run(lambda _c: segment_envelope(hit.path, start, end), apply)

    def _envelope_ready(self, hit: Hit):
        def apply(peaks) -> None:
            if self.hit is hit:
                self.wave.set_envelope(peaks, hit.file.get("duration") or 0.0)
                self.wave.set_match(hit.start, hit.end)

        return apply

    def _load_audio(self, hit: Hit, play_at: float | None, around: float | None = None) -> None:
        self.player.stop()
        duration = hit.file.get("duration") or 0.0
        around = self.start_point(hit) if around is None else around

        def loaded(_result) -> None:
            if self.hit is hit and play_at is not None:
                self.player.play(play_at)

        self._run(lambda _c: self.player.load(hit.path, duration, around), loaded)

    def _run(self, job, on_done) -> None:
        w = Worker(job, self)
        w.done.connect(on_done)
        w.finished.connect(lambda: self._workers.remove(w) if w in self._workers else None)
        self._workers.append(w)
        w.start()

    # -- transport --------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.hit is None:
            return
        if self.player.path != self.hit.path:
            self._load_audio(self.hit, self.start_point(self.hit))
            return
        if not self.player.playing:
            sel = self.wave.selection()
            self.player.play(sel[0] if sel else None)
        else:
            self.player.stop()

    def play_from_start(self) -> None:
        if self.hit is not None:
            if self.player.path == self.hit.path:
                self.player.play(0.0)
            else:
                self._load_audio(self.hit, 0.0)

    def _seek(self, seconds: float) -> None:
        if self.hit is None:
            return
        self.wave.set_playhead(seconds)
        if self.player.path != self.hit.path:
            return
        if not self.player.covers(seconds):
            self._load_audio(self.hit, seconds, around=seconds)
        elif self.player.playing:
            self.player.play(seconds)
        else:
            self.player.seek(seconds)

    def _tick(self) -> None:
        playing = self.player.playing and self.hit is not None and self.player.path == self.hit.path
        self.play_button.setText("Stop" if playing else "Play")
        if playing:
            pos = self.player.position
            sel = self.wave.selection()
            if sel and self.player.loop and pos >= sel[1]:
                self.player.seek(sel[0])
            self.wave.set_playhead(pos)
            self.time.setText(f"{int(pos // 60)}:{pos % 60:04.1f}")

    def wait_idle(self, ms: int = 5000) -> None:
        """Tests and shutdown: let background loads finish."""
        for w in list(self._workers):
            w.wait(ms)
