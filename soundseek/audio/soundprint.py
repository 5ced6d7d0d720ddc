"""A content's sound print: its landmark hashes (audio.landmarks), made while the indexer
decodes the file anyway, and small enough to keep for a million files.

The builder takes the decoder's 48 kHz mono stream, brings it to PRINT_RATE and hashes it in
~30 s chunks (with an overlap that pairs reach into), so an hour-long file never sits in
memory. A long file keeps a subset of its hashes chosen by the hash's value (a power-of-two
`stride`: every copy of the sound keeps the same subset, and a coarser subset lies inside a
finer one), so its postings grow with ~STORE_PER_SECOND, while short sounds keep all of theirs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import soxr

from soundseek.audio.landmarks import BLOCK, HOP, MAX_DT, NEIGH_T, NFFT, log_spectrum, pair_hashes
from soundseek.audio.landmarks import peaks as find_peaks

PRINT_RATE = 12_000  # 48 kHz / 4: peaks up to 6 kHz, where codecs and resamplers agree
SOURCE_RATE = 48_000  # what the decoder streams
PRINT_VERSION = 1  # bump when hashes change: stored prints of another version are made again
STORE_MIN, STORE_PER_SECOND = 512, 32  # hashes kept: all up to this many, else ~32 a second
CHUNK_FRAMES = BLOCK * 128  # ~30 s of frames per chunk, whole blocks
_OVERLAP_FRAMES = MAX_DT + NEIGH_T + 2
_HEADER = struct.Struct("<4sHfHI")  # magic, version, duration, stride, count
_MAGIC = b"SSPR"


@dataclass(frozen=True)
class SoundPrint:
    """`hashes`: (n, 2) int64 rows of (hash, anchor frame at PRINT_RATE/HOP frames a second);
    `stride`: 1 if every hash is kept, else the subset kept (see `keep_subset`)."""

    duration: float
    stride: int
    hashes: np.ndarray
    version: int = PRINT_VERSION

    def to_bytes(self) -> bytes:
        h = self.hashes
        head = _HEADER.pack(_MAGIC, self.version, self.duration, self.stride, len(h))
        return head + h[:, 0].astype("<u4").tobytes() + h[:, 1].astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> SoundPrint | None:
        """None for bytes of another version or damaged ones (the print is made again)."""
        if len(data) < _HEADER.size:
            return None
        magic, version, duration, stride, n = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != PRINT_VERSION or len(data) != _HEADER.size + 8 * n:
            return None
        body = np.frombuffer(data, "<u4", 2 * n, _HEADER.size).astype(np.int64)
        return cls(duration, stride, np.stack([body[:n], body[n:]], axis=1), version)


def frame_seconds() -> float:
    return HOP / PRINT_RATE


def _mix(h: np.ndarray) -> np.ndarray:
    return ((h * 2654435761) >> 13) & 0xFFFF


def keep_subset(hashes: np.ndarray, stride: int) -> np.ndarray:
    """The rows a print of this stride keeps: nested for powers of two."""
    if stride <= 1 or not len(hashes):
        return hashes
    return hashes[(_mix(hashes[:, 0]) & (stride - 1)) == 0]


def stride_for(count: int, duration: float) -> int:
    target = max(STORE_MIN, STORE_PER_SECOND * duration)
    stride = 1
    while count / stride > target and stride < 1 << 12:
        stride *= 2
    return stride


class PrintBuilder:
    """Feed 48 kHz mono chunks as they are decoded; `finish` gives the print."""

    def __init__(self) -> None:
        self._stream = soxr.ResampleStream(SOURCE_RATE, PRINT_RATE, 1, dtype="float32",
                                           quality="LQ")  # fmt: skip
        self._parts: list[np.ndarray] = []  # samples not hashed yet, joined only when due
        self._pending = 0
        self._first = 0  # absolute frame of the first pending sample
        self._rows: list[np.ndarray] = []
        self._samples = 0

    def feed(self, chunk: np.ndarray) -> None:
        self._take(self._stream.resample_chunk(chunk))

    def _take(self, x: np.ndarray) -> None:
        self._samples += len(x)
        self._parts.append(x.astype(np.float32, copy=False))
        self._pending += len(x)
        need = (CHUNK_FRAMES + _OVERLAP_FRAMES) * HOP + NFFT
        if self._pending < need:
            return
        buf = np.concatenate(self._parts)
        while len(buf) >= need:
            self._hash(buf[:need], CHUNK_FRAMES)
            buf = buf[CHUNK_FRAMES * HOP :]
            self._first += CHUNK_FRAMES
        self._parts, self._pending = [buf], len(buf)

    def _hash(self, samples: np.ndarray, anchors: int | None) -> None:
        """Hash a chunk; only anchors in its first `anchors` frames (None: all) are kept, the
        rest belong to the next chunk, which sees them with their partners."""
        t, f = find_peaks(log_spectrum(samples), self._first)
        rows = pair_hashes(t, f)
        if anchors is not None:
            rows = rows[rows[:, 1] < self._first + anchors]
        self._rows.append(rows)

    def finish(self) -> SoundPrint:
        self._take(self._stream.resample_chunk(np.zeros(0, np.float32), last=True))
        rest = np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)
        if len(rest) or not self._rows:
            self._hash(rest, None)
        rows = np.concatenate(self._rows) if self._rows else np.zeros((0, 2), np.int64)
        duration = self._samples / PRINT_RATE
        stride = stride_for(len(rows), duration)
        return SoundPrint(duration, stride, keep_subset(rows, stride))


def print_of(mono48k: np.ndarray) -> SoundPrint:
    """The print of a whole 48 kHz mono signal (tests, benchmarks, checks)."""
    b = PrintBuilder()
    b.feed(mono48k.astype(np.float32, copy=False))
    return b.finish()
