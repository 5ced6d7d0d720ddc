"""Stream audio from disk as mono 48 kHz 10 s windows, plus a peak envelope for display."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import soxr

from soundseek.audio.soundprint import PrintBuilder
from soundseek.audio.sources import AudioSource, open_audio

TARGET_RATE = 48_000
WINDOW_SECONDS = 10.0
WINDOW_SAMPLES = int(TARGET_RATE * WINDOW_SECONDS)
BLOCK_FRAMES = 1 << 18
ENVELOPE_BINS = 1000


@dataclass(frozen=True)
class Window:
    """One deterministic slice of a file, ready for the audio encoder."""

    index: int
    start: float
    end: float
    samples: np.ndarray


def window_count(duration: float) -> int:
    """How many windows a file of this length yields (what the indexer must see written)."""
    return max(1, math.ceil(round(duration * TARGET_RATE) / WINDOW_SAMPLES - 1e-9))


class EnvelopeBuilder:
    """Accumulates per-bin min/max of the mono signal while the file streams past. Sized by
    the file's frame count, given here or by `iter_windows` once the file is open."""

    def __init__(self, total_frames: int = 0, bins: int = ENVELOPE_BINS) -> None:
        self.wanted_bins = bins
        self.size(total_frames)

    def size(self, total_frames: int) -> None:
        total_frames = max(1, total_frames)
        self.bins = max(1, min(self.wanted_bins, total_frames))
        self.per_bin = max(1, math.ceil(total_frames / self.bins))
        self.lo = np.zeros(self.bins, dtype=np.float32)
        self.hi = np.zeros(self.bins, dtype=np.float32)
        self.pos = 0

    def feed(self, mono: np.ndarray) -> None:
        """Per-bin extremes by `reduceat` over the block's bin boundaries (a per-sample
        `ufunc.at` cost a tenth of the indexing time)."""
        n = len(mono)
        if not n:
            return
        first = self.pos // self.per_bin
        cuts = np.arange((first + 1) * self.per_bin, self.pos + n, self.per_bin) - self.pos
        starts = np.concatenate([[0], cuts]).astype(np.intp)
        bins = np.minimum(first + np.arange(len(starts)), self.bins - 1)
        np.minimum.at(self.lo, bins, np.minimum.reduceat(mono, starts))
        np.maximum.at(self.hi, bins, np.maximum.reduceat(mono, starts))
        self.pos += n

    def to_bytes(self) -> bytes:
        """Interleaved int8 (min, max) pairs: 2 bytes a bin, enough for a waveform overview."""
        pairs = np.stack([self.lo, self.hi], axis=1).clip(-1, 1)
        return (pairs * 127).round().astype(np.int8).tobytes()


def envelope_from_bytes(raw: bytes) -> np.ndarray:
    """Decode `EnvelopeBuilder.to_bytes` back into a (bins, 2) float array in [-1, 1]."""
    return np.frombuffer(raw, dtype=np.int8).reshape(-1, 2).astype(np.float32) / 127.0


class _Opened:
    """`with _opened(path) as src`: any source, closed however the block ends."""

    def __init__(self, path: str) -> None:
        self.source = open_audio(path)

    def __enter__(self) -> AudioSource:
        return self.source

    def __exit__(self, *exc: object) -> None:
        self.source.close()


def downmix(block: np.ndarray) -> np.ndarray:
    """(n, channels) -> (n,) mean; as a matrix-vector product (a strided `mean(axis=1)` cost
    as much as decoding)."""
    if block.shape[1] == 1:
        return block[:, 0]
    weights = np.full(block.shape[1], 1.0 / block.shape[1], dtype=np.float32)
    return np.ascontiguousarray(block, dtype=np.float32) @ weights


def _mono_blocks(src: AudioSource) -> Iterator[np.ndarray]:
    """Each block is used up before the next is read: the decoder's buffer is reused."""
    for block in src.blocks(BLOCK_FRAMES, reuse=True):
        yield downmix(block)


def iter_windows(
    path: str, envelope: EnvelopeBuilder | None = None, printer: PrintBuilder | None = None
) -> Iterator[Window]:
    """Yield consecutive 10 s windows; the last one ends at the file's end (full length). The
    envelope sees the source-rate audio, the printer the 48 kHz stream."""
    with _Opened(path) as src:
        if envelope is not None:
            envelope.size(src.info.frames)
        stream = soxr.ResampleStream(src.info.samplerate, TARGET_RATE, 1, dtype="float32")

        def resampled() -> Iterator[np.ndarray]:
            for mono in _mono_blocks(src):
                if envelope is not None:
                    envelope.feed(mono)
                yield _printed(stream.resample_chunk(mono), printer)
            yield _printed(stream.resample_chunk(np.zeros(0, np.float32), last=True), printer)

        yield from cut_windows(resampled())


def _printed(chunk: np.ndarray, printer: PrintBuilder | None) -> np.ndarray:
    if printer is not None:
        printer.feed(chunk)
    return chunk


def cut_windows(chunks: Iterable[np.ndarray]) -> Iterator[Window]:
    """Cut a stream of mono 48 kHz chunks into windows; deterministic for the same audio.
    Each sample is copied once, into its window's own array (the windows outlive the
    chunks)."""
    buf: np.ndarray | None = None
    fill = 0
    prev: np.ndarray | None = None
    index = 0
    for chunk in chunks:
        pos = 0
        while pos < len(chunk):
            if buf is None:
                buf, fill = np.empty(WINDOW_SAMPLES, np.float32), 0
            take = min(WINDOW_SAMPLES - fill, len(chunk) - pos)
            buf[fill : fill + take] = chunk[pos : pos + take]
            fill, pos = fill + take, pos + take
            if fill == WINDOW_SAMPLES:
                prev, buf = buf, None
                yield Window(index, index * WINDOW_SECONDS, (index + 1) * WINDOW_SECONDS, prev)
                index += 1
    rest = buf[:fill].copy() if buf is not None else np.zeros(0, np.float32)
    yield from _tail(rest, prev, index)


def _tail(buf: np.ndarray, prev: np.ndarray | None, index: int) -> Iterator[Window]:
    """The last window ends at the file's end: full 10 s when the file is longer than that."""
    if len(buf) == 0 and index > 0:
        return
    if prev is None:
        yield Window(0, 0.0, len(buf) / TARGET_RATE, buf if len(buf) else np.zeros(1, np.float32))
        return
    end = (index * WINDOW_SAMPLES + len(buf)) / TARGET_RATE
    yield Window(index, end - WINDOW_SECONDS, end, np.concatenate([prev[len(buf) :], buf]))


def file_envelope(path: str) -> bytes:
    """The peak envelope of a file not embedded yet (one streaming pass, no windows)."""
    with _Opened(path) as src:
        env = EnvelopeBuilder(max(1, src.info.frames))
        for mono in _mono_blocks(src):
            env.feed(mono)
    return env.to_bytes()


def segment_envelope(path: str, start: float, end: float, bins: int = 2000) -> np.ndarray:
    """Fine (bins, 2) min/max for a zoomed-in span: waveform detail without drawing samples."""
    data, _rate = read_segment(path, start, end)
    mono = downmix(data)
    env = EnvelopeBuilder(len(mono), bins)
    env.feed(mono)
    return np.stack([env.lo, env.hi], axis=1)


def read_segment(path: str, start: float = 0.0, end: float | None = None) -> tuple[np.ndarray, int]:
    """Read [start, end) seconds at the file's own rate, all channels (for playback/rendering)."""
    with _Opened(path) as src:
        rate, channels = src.info.samplerate, src.info.channels
        first = max(0, int(start * rate))
        want = None if end is None else max(0, math.ceil(end * rate) - first)
        src.seek(first)
        parts, have = [], 0
        for block in src.blocks(BLOCK_FRAMES):
            parts.append(block)
            have += len(block)
            if want is not None and have >= want:
                break
    data = np.concatenate(parts) if parts else np.zeros((0, channels), np.float32)
    return (data if want is None else data[:want]), rate


def segment_for_embedding(path: str, start: float, end: float) -> np.ndarray:
    """A time range of a file as mono 48 kHz (for "more like this" from a selection)."""
    data, rate = read_segment(path, start, end)
    mono = downmix(data)
    return soxr.resample(mono, rate, TARGET_RATE).astype(np.float32)
