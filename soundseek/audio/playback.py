"""A player that never blocks: one always-running output pulls frames from the current sound."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np
import soxr

from soundseek.audio.decode import read_segment

OUTPUT_RATE = 48_000
MAX_LOAD_SECONDS = 20 * 60
Pull = Callable[[int], np.ndarray]


class AudioOutput(Protocol):
    """Where frames go: a sound card stream, or a null/recording output in tests."""

    rate: int
    channels: int

    def start(self, pull: Pull) -> None: ...

    def close(self) -> None: ...

    def failure(self) -> Exception | None:
        """Why the output stopped on its own (device unplugged...), or None while it is fine."""
        ...


class NullOutput:
    """Pulls frames on a clock like a sound card would, and keeps what it played."""

    def __init__(self, rate: int = OUTPUT_RATE, channels: int = 2, block: int = 1024) -> None:
        self.rate, self.channels, self.block = rate, channels, block
        self.recorded: list[np.ndarray] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pull: Pull) -> None:
        def run() -> None:
            period = self.block / self.rate
            while not self._stop.wait(period):
                out = pull(self.block)
                if np.any(out):
                    self.recorded.append(out.copy())

        self._thread = threading.Thread(target=run, name="null-audio", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=1)

    def failure(self) -> Exception | None:
        return None

    def played_seconds(self) -> float:
        return sum(len(b) for b in self.recorded) / self.rate


def to_output(data: np.ndarray, rate: float, out_rate: int, out_channels: int) -> np.ndarray:
    """Resample and map channels (mono duplicated, surround folded down) for the output."""
    if data.shape[1] != out_channels:
        if data.shape[1] == 1:
            data = np.repeat(data, out_channels, axis=1)
        else:
            mono = data.mean(axis=1, keepdims=True)
            data = (
                np.repeat(mono, out_channels, axis=1)
                if data.shape[1] > 2
                else data[:, :out_channels]
            )
    if rate != out_rate:
        data = soxr.resample(data, rate, out_rate)
    return np.ascontiguousarray(data, dtype=np.float32)


class Player:
    """Load, play, stop, loop, seek and volume; the output thread only ever reads a buffer."""

    def __init__(self, output: AudioOutput) -> None:
        self.output = output
        self._lock = threading.Lock()
        self._buf = np.zeros((0, output.channels), np.float32)
        self._offset = 0.0
        self._pos = 0
        self._playing = False
        self.loop = False
        self.volume = 0.8
        self.path: str | None = None
        self.file_duration = 0.0
        self.started_at: float | None = None
        self.speed = 1.0  # varispeed: >1 faster and higher (as a transfer renders it)
        self.reverse = False
        output.start(self._pull_for(output))

    def set_shape(self, semitones: float, reverse: bool) -> bool:
        """Audition as a transfer with these settings will sound; True if a loaded file must
        be loaded again (the buffer was made for the old shape)."""
        speed = float(2.0 ** (semitones / 12.0))
        changed = (speed, reverse) != (self.speed, self.reverse)
        with self._lock:
            self.speed, self.reverse = speed, reverse
            if changed:
                self._playing = False
                self.path = None
        return changed

    def set_output(self, output: AudioOutput) -> None:
        """Switch outputs (device lost, device back); the old one is closed, whatever state it
        is in. Raises what `output.start` raises, with the old output already gone."""
        old, self.output = self.output, output
        with self._lock:
            self._playing = False
            if (output.rate, output.channels) != (old.rate, old.channels):
                self._buf = np.zeros((0, output.channels), np.float32)
                self.path = None  # loaded for the old format: the next play reloads
        close_quietly(old)
        output.start(self._pull_for(output))

    def _pull_for(self, output: AudioOutput) -> Pull:
        """Each output pulls frames shaped for itself, even while it is being replaced."""
        return lambda frames: self._pull(frames, output.channels)

    def load(self, path: str, duration: float, around: float = 0.0) -> None:
        """Read the file (or, for very long files, 20 minutes from `around`) into RAM."""
        offset = 0.0 if duration <= MAX_LOAD_SECONDS else max(0.0, around)
        data, rate = read_segment(path, offset, offset + MAX_LOAD_SECONDS)
        buf = to_output(data, rate * self.speed, self.output.rate, self.output.channels)
        if self.reverse:
            buf = np.ascontiguousarray(buf[::-1])
        with self._lock:
            self._buf, self._offset, self._pos = buf, offset, 0
            self._playing = False
            self.path, self.file_duration = path, duration

    def play(self, at: float | None = None) -> None:
        with self._lock:
            if at is not None:
                self._seek_locked(at)
            if self._pos >= len(self._buf):
                self._pos = 0
            self._playing = len(self._buf) > 0
            self.started_at = time.monotonic()

    def stop(self) -> None:
        with self._lock:
            self._playing = False

    def toggle(self) -> bool:
        if self.playing:
            self.stop()
        else:
            self.play()
        return self.playing

    def seek(self, seconds: float) -> None:
        with self._lock:
            self._seek_locked(seconds)

    def _seek_locked(self, seconds: float) -> None:
        frame = int((seconds - self._offset) / self.speed * self.output.rate)
        if self.reverse:
            frame = len(self._buf) - frame
        self._pos = min(max(0, frame), len(self._buf))

    def covers(self, seconds: float) -> bool:
        """Whether `seconds` lies in the loaded span (long files load 20 minutes at a time)."""
        span = len(self._buf) / self.output.rate * self.speed
        return self._offset <= seconds <= self._offset + span

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def position(self) -> float:
        """Seconds into the file of the frame the output will play next (varispeed and
        reverse included: the playhead shows where in the file the sound is)."""
        frame = len(self._buf) - self._pos if self.reverse else self._pos
        return self._offset + frame / self.output.rate * self.speed

    def _pull(self, frames: int, channels: int) -> np.ndarray:
        out = np.zeros((frames, channels), np.float32)
        with self._lock:
            filled = 0
            while self._playing and filled < frames and self._buf.shape[1] == channels:
                take = min(frames - filled, len(self._buf) - self._pos)
                out[filled : filled + take] = self._buf[self._pos : self._pos + take]
                filled += take
                self._pos += take
                if self._pos >= len(self._buf):
                    if self.loop and len(self._buf):
                        self._pos = 0
                    else:
                        self._playing = False
            out *= self.volume
        return out

    def close(self) -> None:
        close_quietly(self.output)


def close_quietly(output: AudioOutput) -> None:
    """Closing a device that vanished raises in PortAudio; there is nothing left to close."""
    with contextlib.suppress(Exception):  # any driver error here only means "already gone"
        output.close()
