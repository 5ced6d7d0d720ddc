"""The real sound card output (sounddevice/PortAudio), imported only when playback starts."""

from __future__ import annotations

import numpy as np

from soundseek.core.playback import OUTPUT_RATE, NullOutput, Pull


class SoundDeviceOutput:
    """One stream opened once and kept running, so switching sounds never reopens the device."""

    def __init__(self, rate: int = OUTPUT_RATE, channels: int = 2, blocksize: int = 512) -> None:
        import sounddevice as sd

        self.rate, self.channels = rate, channels
        self._sd = sd
        self._stream = sd.OutputStream(
            samplerate=rate, channels=channels, dtype="float32", blocksize=blocksize,
            callback=self._callback, latency="low",
        )  # fmt: skip
        self._pull: Pull | None = None

    def _callback(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        outdata[:] = self._pull(frames) if self._pull else 0.0

    def start(self, pull: Pull) -> None:
        self._pull = pull
        self._stream.start()

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


def default_output():
    """The sound card when there is one; otherwise a silent output so the app still runs."""
    try:
        return SoundDeviceOutput(), ""
    except (OSError, ImportError, RuntimeError, ValueError) as exc:
        return NullOutput(), f"no audio output ({exc}); playback is silent"
