"""The sound card (sounddevice/PortAudio) and what happens when it is missing or goes away.

Studios unplug interfaces all the time: any failure to open the device, or a stream that dies
mid-playback, switches the player to a silent output and says so; `retry` (or a periodic
check) brings the device back. The app never stops because of audio.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from soundseek.audio.playback import OUTPUT_RATE, AudioOutput, NullOutput, Player, Pull

log = logging.getLogger(__name__)

CHECK_MS = 1000


class SoundDeviceOutput:
    """One stream opened once and kept running, so switching sounds never reopens the device."""

    def __init__(self, rate: int = OUTPUT_RATE, channels: int = 2, blocksize: int = 512) -> None:
        import sounddevice as sd

        self.rate, self.channels = rate, channels
        self._pull: Pull | None = None
        self._closing = False
        self._failure: Exception | None = None
        self._stream = sd.OutputStream(
            samplerate=rate, channels=channels, dtype="float32", blocksize=blocksize,
            callback=self._callback, finished_callback=self._finished, latency="low",
        )  # fmt: skip

    def _callback(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        outdata[:] = self._pull(frames) if self._pull else 0.0

    def _finished(self) -> None:
        """PortAudio ends the stream on its own when the device disappears."""
        if not self._closing:
            self._failure = RuntimeError("the audio device stopped (unplugged?)")

    def start(self, pull: Pull) -> None:
        self._pull = pull
        self._stream.start()

    def failure(self) -> Exception | None:
        if self._failure is None and not self._closing and not self._stream.active:
            self._failure = RuntimeError("the audio stream is no longer running")
        return self._failure

    def close(self) -> None:
        self._closing = True
        try:
            self._stream.stop()
        finally:
            self._stream.close()


def open_device_output() -> AudioOutput:
    return SoundDeviceOutput()


class AudioSwitch(QObject):
    """Keeps the player on a working output; `status` is '' with sound, else why it is silent."""

    status_changed = Signal(str)
    SILENT = "No audio output device — preview is off"

    def __init__(
        self, player: Player, open_output: Callable[[], AudioOutput] = open_device_output,
        check_ms: int = CHECK_MS, parent=None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.player = player
        self.open_output = open_output
        self.status = ""
        self.reason = ""  # why there is no sound, in the audio library's words
        self.silent = True  # until a device is open
        self._check = QTimer(self, interval=check_ms, timeout=self._check_output)

    def start(self) -> bool:
        """Open the device (again); returns whether there is sound now."""
        try:
            output = self.open_output()
            self.player.set_output(output)
        except Exception as exc:  # PortAudioError, OSError (no PortAudio), device busy...
            self._fall_back(exc)
            return False
        self.silent = False
        self._set_status("")
        self._check.start()
        return True

    retry = start

    def _check_output(self) -> None:
        if self.silent:
            return
        try:
            failure = self.player.output.failure()
        except Exception as exc:  # asking a vanished device can raise too
            failure = exc
        if failure is not None:
            self._fall_back(failure)

    def _fall_back(self, exc: Exception) -> None:
        log.warning("audio output unavailable: %s", exc)
        self._check.stop()
        if not isinstance(self.player.output, NullOutput):
            self.player.set_output(NullOutput())
        self.silent = True
        self.reason = _short(exc)  # PortAudio's words ("Error querying device -1"), for a tip
        self._set_status(self.SILENT)

    @property
    def hint(self) -> str:
        """What to do about the silence, with the audio library's words ('' with sound)."""
        return f"{self.reason}. Connect a device and press Retry audio." if self.reason else ""

    def _set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
            self.status_changed.emit(text)

    def close(self) -> None:
        self._check.stop()
        self.player.close()


def start_audio(
    volume: float, open_output: Callable[[], AudioOutput] | None, parent: QObject
) -> AudioSwitch:
    """A player on the sound card (or silent, saying why), at the kept volume."""
    player = Player(NullOutput())
    player.volume = volume
    audio = AudioSwitch(player, open_output or open_device_output, parent=parent)
    audio.start()
    return audio


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
