"""The audio of a transfer, as a stream of blocks: channels arranged, varispeed and the rate
change in one soxr pass (VHQ), short fades on edges cut inside the file, reversed if asked.

Streaming keeps a one-hour 96 kHz ambience from needing gigabytes; only a reversed transfer
holds its whole output (it has to start from the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import soxr

BLOCK_FRAMES = 1 << 17


@dataclass(frozen=True)
class Shape:
    """How the source's blocks become output blocks."""

    in_rate: int
    out_rate: int
    speed: float  # varispeed factor: >1 plays faster and higher
    channels: str  # "keep" | "mono" | "split" (split arranges like keep; the writer splits)
    fade_in: int  # output frames faded at the start (0: the region starts at the file's start)
    fade_out: int
    reverse: bool

    @property
    def resamples(self) -> bool:
        return self.speed != 1.0 or self.in_rate != self.out_rate


def fade_frames(fade_ms: float, rate: int, cut_inside: bool) -> int:
    return round(fade_ms * rate / 1000.0) if cut_inside else 0


def arrange(block: np.ndarray, channels: str) -> np.ndarray:
    """Mono is the channels' mean: never clips, and a centred stereo sound keeps its level."""
    if channels == "mono" and block.shape[1] > 1:
        return block.mean(axis=1, keepdims=True, dtype=np.float64).astype(np.float32)
    return block


def _curve(n: int) -> np.ndarray:
    """A raised-cosine ramp 0 -> 1 over n frames (no click, no audible shape on a short fade)."""
    return (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n, dtype=np.float64))).astype(np.float32)


class _Fader:
    """Fades the first and last frames of a stream whose end it only knows when it comes: it
    holds back the last `fade_out` frames until the stream ends."""

    def __init__(self, fade_in: int, fade_out: int) -> None:
        self.fade_in, self.fade_out = fade_in, fade_out
        self.done_in = 0
        self.held: np.ndarray | None = None

    def feed(self, block: np.ndarray) -> np.ndarray:
        block = self._apply_in(block)
        if not self.fade_out:
            return block
        joined = block if self.held is None else np.concatenate([self.held, block])
        self.held = joined[-self.fade_out :]
        return joined[: -self.fade_out] if len(joined) > self.fade_out else joined[:0]

    def _apply_in(self, block: np.ndarray) -> np.ndarray:
        left = self.fade_in - self.done_in
        if left <= 0 or not len(block):
            return block
        n = min(left, len(block))
        ramp = _curve(self.fade_in)[self.done_in : self.done_in + n]
        block = block.copy()
        block[:n] *= ramp[:, None]
        self.done_in += n
        return block

    def finish(self) -> np.ndarray | None:
        if self.held is None:
            return None
        tail = self.held.copy()
        tail *= _curve(len(tail))[::-1, None]
        return tail


def shaped(blocks: Iterator[np.ndarray], shape: Shape) -> Iterator[np.ndarray]:
    """The output blocks, (n, channels) float32."""
    out = _resampled((arrange(b, shape.channels) for b in blocks), shape)
    fader = _Fader(shape.fade_in, shape.fade_out)
    if shape.reverse:
        whole = [fader.feed(b) for b in out]
        tail = fader.finish()
        data = np.concatenate([*whole, *([tail] if tail is not None else [])])
        for at in range(len(data), 0, -BLOCK_FRAMES):
            yield data[max(0, at - BLOCK_FRAMES) : at][::-1]
        return
    for block in out:
        faded = fader.feed(block)
        if len(faded):
            yield faded
    tail = fader.finish()
    if tail is not None and len(tail):
        yield tail


def _resampled(blocks: Iterator[np.ndarray], shape: Shape) -> Iterator[np.ndarray]:
    """Varispeed is the rate change from `in_rate * speed`: the tape-machine way."""
    if not shape.resamples:
        yield from blocks
        return
    stream = None
    channels = 1
    for block in blocks:
        if stream is None:
            channels = block.shape[1]
            stream = soxr.ResampleStream(
                shape.in_rate * shape.speed,
                shape.out_rate,
                channels,
                dtype="float32",
                quality="VHQ",
            )
        yield stream.resample_chunk(np.ascontiguousarray(block))
    if stream is not None:
        yield stream.resample_chunk(np.zeros((0, channels), np.float32), last=True)
