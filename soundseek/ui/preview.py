"""The preview pane: waveform plus transport (play, loop, volume, auto-play) for one hit, and
the tag field for the selected files."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

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

from soundseek.ui.audition_shape import AuditionShape
from soundseek.ui.drag_handle import DragHandle
from soundseek.ui.tag_editor import TagEditor
from soundseek.ui.threads import Tasks

if TYPE_CHECKING:
    from soundseek.app import App
    from soundseek.audio.playback import Player
    from soundseek.search.hits import Hit

PLAYHEAD_MS = 30
RENDER_AHEAD_MS = 120  # after the selection settles: a drag usually follows later than that
RENDER_AHEAD_MAX_S = 120.0  # longer sounds are not rendered on the chance of a drag
LONG_FILE = 10.0


class PreviewPane(QWidget):
    """Shows at once; the waveform (pyqtgraph) and the player (numpy) are attached when ready,
    so neither delays the first window."""

    similar_requested = Signal(object, object)
    export_requested = Signal(object, object)

    def __init__(self, app: App, theme: str = "dark", parent=None) -> None:
        super().__init__(parent)
        self.app = app
        self.theme = theme
        self.player: Player | None = None
        self.wave = None
        self.hit: Hit | None = None
        self.tasks = Tasks(self)
        self.title = QLabel("Select a sound")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info = QLabel("")
        self.tags = TagEditor()
        self.wave_box = QVBoxLayout()
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle)
        self.loop = QCheckBox("Loop")
        self.loop.toggled.connect(lambda on: self.player and setattr(self.player, "loop", on))
        self.auto_play = QCheckBox("Auto-play")
        self.auto_play.setChecked(True)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setMaximumWidth(120)
        self.volume.valueChanged.connect(
            lambda v: self.player and setattr(self.player, "volume", v / 100)
        )
        self.similar_button = QPushButton("More like this")
        self.similar_button.clicked.connect(
            lambda: self.hit and self.similar_requested.emit(self.hit, self.selection())
        )
        self.export_button = QPushButton("Export selection…")
        self.export_button.clicked.connect(
            lambda: self.hit and self.export_requested.emit(self.hit, self.selection())
        )
        self.time = QLabel("0:00.0")
        self.shaping = AuditionShape(app, self._shape_changed)
        self.drag_handle = DragHandle(
            "⇲ Drag to DAW", lambda: self.drag_paths(self.hit), lambda: self.hit is not None
        )
        self._layout()
        self._timer = QTimer(self, interval=PLAYHEAD_MS, timeout=self._tick)
        self._ahead = QTimer(self, singleShot=True, interval=RENDER_AHEAD_MS,
                             timeout=self._render_ahead)  # fmt: skip

    def _layout(self) -> None:
        """Two rows: the transport, then what a drag delivers (audition shape, preset)."""
        transport = QHBoxLayout()
        for w in (self.play_button, self.loop, self.auto_play, QLabel("Vol"), self.volume):
            transport.addWidget(w)
        transport.addStretch(1)
        for w in (self.time, self.similar_button, self.export_button):
            transport.addWidget(w)
        deliver = QHBoxLayout()
        deliver.addWidget(QLabel("Pitch"))
        pitch, reverse, preset = self.shaping.widgets()
        for w in (pitch, reverse):
            deliver.addWidget(w)
        deliver.addStretch(1)
        for w in (QLabel("Transfer as"), preset, self.drag_handle):
            deliver.addWidget(w)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.title)
        box.addWidget(self.info)
        box.addWidget(self.tags)
        box.addLayout(self.wave_box, 1)
        box.addLayout(transport)
        box.addLayout(deliver)

    def attach_player(self, player: Player) -> None:
        self.player = player
        player.set_shape(*self.shaping.shape())
        player.loop = self.loop.isChecked()
        player.volume = self.volume.value() / 100
        self._timer.start()
        if self.hit is not None:
            self.show_hit(self.hit, autoplay=False)

    def attach_waveform(self) -> None:
        """Build the waveform view (pyqtgraph imported beforehand, off the UI thread)."""
        from soundseek.ui.waveform import WaveformView

        self.wave = WaveformView(self.theme)
        self.wave.seek_requested.connect(self._seek)
        self.wave.selection_changed.connect(lambda _sel: self._ahead.start())
        self.wave.detail_wanted.connect(self._load_detail)
        self.wave_box.addWidget(self.wave)
        if self.hit is not None:
            self._show_envelope(self.hit)

    def selection(self) -> tuple[float, float] | None:
        return self.wave.selection() if self.wave is not None else None

    # -- showing a hit ----------------------------------------------------------------------
    def show_hit(self, hit: Hit, autoplay: bool | None = None) -> None:
        """Show and (if auto-play) audition a hit: long files start at the matching moment."""
        self.hit = hit
        f = hit.file
        self.title.setText(os.path.basename(hit.path))
        self.info.setText(
            f"{f.duration:.2f} s · {f.samplerate / 1000:g} kHz · {f.channels} ch · "
            f"{f.ext.upper()} · {f.description or f.libfolder}"
        )
        self._show_envelope(hit)
        self._ahead.start()
        play = self.auto_play.isChecked() if autoplay is None else autoplay
        if self.player is not None:
            self._load_audio(hit, self.start_point(hit) if play else None)

    def clear_hit(self) -> None:
        """Nothing selected: show nothing (what plays may finish; the keys act on nothing)."""
        if self.hit is None:
            return
        self.hit = None
        self.title.setText("Select a sound")
        self.info.setText("")
        if self.wave is not None:
            self.wave.clear()

    def _show_envelope(self, hit: Hit) -> None:
        if self.wave is None:
            return

        def apply(peaks) -> None:
            if self.hit is hit and self.wave is not None:
                self.wave.set_envelope(peaks, hit.file.duration)
                self.wave.set_match(hit.start, hit.end)

        self.tasks.run(lambda: self.app.media.envelope(hit), apply)

    def start_point(self, hit: Hit) -> float:
        long = hit.file.duration > LONG_FILE
        return hit.start if long and hit.start is not None else 0.0

    def _load_detail(self, start: float, end: float) -> None:
        hit = self.hit
        if hit is None:
            return

        def apply(peaks) -> None:
            if self.hit is hit and self.wave is not None:
                self.wave.set_detail(start, end, peaks)

        self.tasks.run(lambda: self.app.media.detail_envelope(hit.path, start, end), apply)

    def _load_audio(self, hit: Hit, play_at: float | None, around: float | None = None) -> None:
        player = self.player
        if player is None:
            return
        player.stop()
        around = self.start_point(hit) if around is None else around

        def loaded(_result) -> None:
            if self.hit is hit and play_at is not None:
                player.play(play_at)

        self.tasks.run(lambda: player.load(hit.path, hit.file.duration, around), loaded)

    # -- transport --------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.hit is None or self.player is None:
            return
        if self.player.path != self.hit.path:
            self._load_audio(self.hit, self.start_point(self.hit))
            return
        if not self.player.playing:
            sel = self.selection()
            self.player.play(self._sel_start(sel) if sel else None)
        else:
            self.player.stop()

    def play_from_start(self) -> None:
        if self.hit is not None and self.player is not None:
            if self.player.path == self.hit.path:
                self.player.play(0.0)
            else:
                self._load_audio(self.hit, 0.0)

    def _seek(self, seconds: float) -> None:
        if self.hit is None or self.player is None:
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
            sel = self.selection()
            if sel and self.player.loop and self._past_selection(pos, sel):
                self.player.seek(self._sel_start(sel))
            if self.wave is not None:
                self.wave.set_playhead(pos)
            self.time.setText(f"{int(pos // 60)}:{pos % 60:04.1f}")

    def _sel_start(self, sel: tuple[float, float]) -> float:
        """Where a selection starts sounding: its end when auditioned reversed."""
        return sel[1] if self.shaping.reverse else sel[0]

    def _past_selection(self, pos: float, sel: tuple[float, float]) -> bool:
        return pos <= sel[0] if self.shaping.reverse else pos >= sel[1]

    # -- what a drag delivers -----------------------------------------------------------------
    def drag_paths(self, hit: Hit | None) -> list[str]:
        """The files a drag of `hit` delivers: as auditioned (region, varispeed, reverse) when
        it is the previewed sound, under the active transfer preset."""
        if hit is None:
            return []
        region, semitones, reverse = self._as_auditioned(hit)
        return self.app.transfers.for_drag(hit.path, region, semitones, reverse)

    def transfer_paths(self, hit: Hit) -> list[str]:
        """`hit` copied into the transfer folder under the active preset ("keep original"
        copies the file as it is), as auditioned when it is the previewed sound."""
        region, semitones, reverse = self._as_auditioned(hit)
        return self.app.transfers.for_folder(hit.path, region, semitones, reverse)

    def spot(self, hit: Hit):
        """`hit` as auditioned, spotted into Pro Tools at its edit cursor on a new track."""
        region, semitones, reverse = self._as_auditioned(hit)
        return self.app.transfers.spot([hit.path], region, None, None, semitones, reverse)

    def _as_auditioned(self, hit: Hit) -> tuple[tuple[float, float] | None, float, bool]:
        if hit is not self.hit:
            return None, 0.0, False
        return self.selection(), self.shaping.semitones, self.shaping.reverse

    def _render_ahead(self) -> None:
        """Make what a drag would deliver before the drag asks (a copy only: "keep
        original" with nothing changed has nothing to make)."""
        hit = self.hit
        if hit is None or not (self.shaping.renders() or self.selection()):
            return
        region, semitones, reverse = self._as_auditioned(hit)
        span = (region[1] - region[0]) if region else hit.file.duration
        if span <= RENDER_AHEAD_MAX_S:  # a long ambience renders when it is dropped
            prepare = self.app.transfers.prepare
            self.tasks.run(lambda: prepare(hit.path, region, semitones, reverse), lambda _r: None)

    def _shape_changed(self) -> None:
        """Pitch or reverse changed: audition it that way now, and render it ahead."""
        reload = self.player is not None and self.player.set_shape(*self.shaping.shape())
        if reload and self.hit is not None:
            at = self.player.position if self.player.playing else None
            self._load_audio(self.hit, at, around=self.start_point(self.hit))
        self._ahead.start()

    def wait_idle(self, ms: int = 5000) -> None:
        """Tests and shutdown: let background loads finish."""
        self.tasks.wait_idle(ms)
