"""Open any audio file a library holds: libsndfile first (exact, fast), FFmpeg (PyAV) for the
rest — WavPack, AAC/M4A, ALAC, CAF, WMA — and for misnamed containers (Vorbis in a `.wav`, a
WAV named `.ogg` with a fmt chunk libsndfile rejects). Both hand out float32 blocks at the
file's own rate; resampling and downmixing happen once, downstream, the same for every format.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import soundfile as sf

from soundseek.errors import UnreadableFile
from soundseek.paths import os_name

FFMPEG_FIRST = frozenset({".wv", ".m4a", ".aac", ".mp4", ".wma", ".asf", ".mka", ".ac3", ".alac"})
MISLEADING = ("possibly a pipe", "unimplemented format", "not recognised", "unknown format")


@dataclass(frozen=True)
class AudioInfo:
    """Technical facts of a file, whichever decoder reads it."""

    format: str  # container, e.g. WAV, FLAC, OGG, MP4, WV
    subtype: str  # encoding, e.g. PCM_24, VORBIS, AAC, ALAC
    samplerate: int
    channels: int
    frames: int  # exact for libsndfile, from the container's duration for FFmpeg
    bit_depth: int
    decoder: str  # "sndfile" or "ffmpeg"

    @property
    def duration(self) -> float:
        return self.frames / self.samplerate if self.samplerate else 0.0


class AudioSource(Protocol):
    info: AudioInfo

    def blocks(self, frames: int, reuse: bool = False) -> Iterator[np.ndarray]:
        """(n, channels) float32 blocks from the current position to the end; with `reuse`,
        a block may be overwritten by the next one (for callers done with it by then)."""
        ...

    def seek(self, frame: int) -> None: ...

    def close(self) -> None: ...


def open_audio(path: str) -> AudioSource:
    """The file as a source; UnreadableFile (with every decoder's reason) if none can read it."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from exc
    if size == 0:
        raise UnreadableFile(path, "empty file (0 bytes)")
    first_ffmpeg = os.path.splitext(path)[1].lower() in FFMPEG_FIRST
    openers = (_FfmpegSource, _SndfileSource) if first_ffmpeg else (_SndfileSource, _FfmpegSource)
    openers += (_RiffOggSource,)
    reasons = []
    for opener in openers:
        try:
            return opener(path)
        except _CannotOpen as exc:
            reasons.append(str(exc))  # "" when a decoder simply does not apply
    raise UnreadableFile(path, _explain(reasons))


def probe(path: str) -> AudioInfo:
    source = open_audio(path)
    try:
        return source.info
    finally:
        source.close()


def _explain(reasons: list[str]) -> str:
    """libsndfile says "file does not exist... pipe?" for garbage; say what it means."""
    text = "; ".join(dict.fromkeys(r for r in reasons if r))
    if any(m in text.lower() for m in MISLEADING):
        return f"not a readable audio file: unrecognised or corrupt audio data ({text})"
    return f"not a readable audio file ({text})"


def _container_name(names: str, path: str) -> str:
    """FFmpeg names demuxers by family ("mov,mp4,m4a,3gp,3g2,mj2"): the one the file's
    extension names, else the first."""
    options = names.split(",")
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    return (ext if ext in options else options[0]).upper()


class _CannotOpen(Exception):
    pass


def _bit_depth(subtype: str) -> int:
    for bits in (8, 16, 24, 32, 64):
        if subtype.endswith(str(bits)) or subtype.endswith(f"_{bits}"):
            return bits
    return {"FLOAT": 32, "DOUBLE": 64}.get(subtype, 0)


class _SndfileSource:
    def __init__(self, path: str, fileobj: object | None = None) -> None:
        self.path = path
        try:
            self._snd = sf.SoundFile(fileobj if fileobj is not None else os_name(path))
        except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
            detail = str(exc).split(": ", 1)[-1].strip().rstrip(".")
            raise _CannotOpen(f"libsndfile: {detail}") from exc
        s = self._snd
        if s.samplerate <= 0 or s.frames <= 0:
            s.close()
            raise _CannotOpen("audio stream has no samples")
        self.info = AudioInfo(s.format, s.subtype, int(s.samplerate), int(s.channels),
                              int(s.frames), _bit_depth(s.subtype or ""), "sndfile")  # fmt: skip

    def blocks(self, frames: int, reuse: bool = False) -> Iterator[np.ndarray]:
        s = self._snd
        size = {"blocksize": frames}
        if reuse:  # read into one buffer: no copy of each block
            size = {"out": np.empty((max(1, min(frames, s.frames)), s.channels), np.float32)}
        try:
            yield from s.blocks(dtype="float32", always_2d=True, **size)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise UnreadableFile(self.path, f"decoding failed mid-file ({exc})") from exc

    def seek(self, frame: int) -> None:
        self._snd.seek(max(0, min(frame, self.info.frames)))

    def close(self) -> None:
        self._snd.close()


class _RiffOggSource(_SndfileSource):
    """Vorbis in a RIFF WAVE (fmt tags 0x674F-0x6771, "Og"): old game and sample-pack tools
    wrote whole Ogg streams into the data chunk. Neither libsndfile nor FFmpeg reads the
    wrapper, but libsndfile reads the Ogg stream inside it."""

    def __init__(self, path: str) -> None:
        from soundseek.files.riff import RiffError, chunk_table

        try:
            with open(path, "rb") as fh:
                table = {cid: (offset, size) for cid, offset, size in chunk_table(fh)}
                offset, size = table.get(b"data", (0, 0))
                fh.seek(offset)
                wrapped = fh.read(4) == b"OggS"
        except (RiffError, OSError, ValueError) as exc:
            raise _CannotOpen("") from exc
        if not wrapped:
            raise _CannotOpen("")
        self._file = _Slice(path, offset, size)
        super().__init__(path, self._file)
        self.info = replace(self.info, format="WAV", subtype="VORBIS (Ogg in RIFF)")

    def close(self) -> None:
        super().close()
        self._file.close()


class _Slice(io.RawIOBase):
    """A read-only window [offset, offset + size) of a file, as a file object."""

    def __init__(self, path: str, offset: int, size: int) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed with the slice
        self._start, self._size, self._pos = offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, min(self._size, base + pos))
        return self._pos

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._size - self._pos)
        self._fh.seek(self._start + self._pos)
        got = self._fh.readinto(memoryview(buffer)[:n])
        self._pos += got
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()


class _FfmpegSource:
    """PyAV: the first audio stream, decoded to planar float32 at its own rate and layout."""

    def __init__(self, path: str) -> None:
        import av

        self.path = path
        try:
            self._container = av.open(path)
            self._stream = self._container.streams.audio[0]
        except (av.FFmpegError, IndexError, OSError, ValueError) as exc:
            raise _CannotOpen(f"FFmpeg: {_ffmpeg_reason(exc)}") from exc
        try:
            self.info = self._info()
        except _CannotOpen:
            self.close()
            raise
        if self.info.samplerate <= 0 or self.info.channels <= 0:
            self.close()
            raise _CannotOpen("FFmpeg: no audio stream with samples")
        self._from: int | None = None  # after a seek: the first frame wanted

    def _info(self) -> AudioInfo:
        s, c = self._stream, self._container
        if s.codec_context is None:
            raise _CannotOpen("FFmpeg: no decoder for this audio encoding")
        rate = int(s.codec_context.sample_rate or 0)
        if s.duration is not None and s.time_base:
            seconds = float(s.duration * s.time_base)
        else:
            seconds = (c.duration or 0) / 1_000_000
        bits = int(getattr(s.codec_context, "bits_per_raw_sample", 0) or 0)
        if not bits and s.format is not None:
            bits = _PCM_BITS.get(s.format.name.rstrip("p"), 0)
        fmt = _container_name(c.format.name or "", self.path)
        channels = int(s.codec_context.channels or 0)
        return AudioInfo(fmt, s.codec_context.name.upper(), rate, channels,
                         max(0, round(seconds * rate)), bits, "ffmpeg")  # fmt: skip

    def blocks(self, frames: int, reuse: bool = False) -> Iterator[np.ndarray]:
        import av

        pending: list[np.ndarray] = []
        have = 0
        try:
            for frame in self._container.decode(self._stream):
                data = self._after_seek(frame, _planar(frame))
                if not len(data):
                    continue
                pending.append(data)
                have += len(data)
                while have >= frames:
                    block = np.concatenate(pending)
                    yield block[:frames]
                    pending, have = [block[frames:]], have - frames
        except (av.FFmpegError, ValueError) as exc:
            reason = f"decoding failed mid-file ({_ffmpeg_reason(exc)})"
            raise UnreadableFile(self.path, reason) from exc
        if have:
            yield np.concatenate(pending)

    def seek(self, frame: int) -> None:
        """Seek to the packet before `frame`; `blocks` drops the samples up to it."""
        target = max(0, frame)
        seconds = target / self.info.samplerate
        self._container.seek(int(seconds / self._stream.time_base), stream=self._stream)
        self._from = target

    def _after_seek(self, frame, data: np.ndarray) -> np.ndarray:
        if self._from is None or frame.pts is None:
            return data
        start = round(float(frame.pts * self._stream.time_base) * self.info.samplerate)
        drop = self._from - start
        if drop >= len(data):
            return data[:0]
        self._from = None
        return data[max(0, drop) :]

    def close(self) -> None:
        self._container.close()


_PCM_BITS = {"u8": 8, "s16": 16, "s32": 32, "s64": 64}


def _planar(frame) -> np.ndarray:
    """A decoded frame as (samples, channels) float32 in [-1, 1]."""
    arr = frame.to_ndarray()
    name = frame.format.name
    channels = len(frame.layout.channels)
    if not frame.format.is_planar:
        arr = arr.reshape(-1, channels).T
    arr = arr.astype(np.float32, copy=False)
    if name.startswith("s16"):
        arr = arr / 32768.0
    elif name.startswith("s32"):
        arr = arr / 2147483648.0
    elif name.startswith("u8"):
        arr = (arr - 128.0) / 128.0
    elif name.startswith("s64"):
        arr = arr / 9.223372036854776e18
    return np.ascontiguousarray(arr.T, dtype=np.float32)


def _ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's own words without the errno and the path (the user sees the path already)."""
    text = getattr(exc, "strerror", None) or str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
