"""CLAP's audio front end: the log-mel spectrogram of a 10 s, 48 kHz mono window.

transformers' ClapFeatureExtractor computes it frame by frame in a Python loop in float64
(30-60 ms a window here). This is the same computation vectorised in float32 (NumPy for worker
processes, torch for batches on a GPU), for the path SoundSeek uses: windows of at most 10 s,
repeat-padded ("rand_trunc" + "repeatpad", which never crops such windows). A test bounds the
difference to the reference implementation.

`FeatureSpec` is plain data (the mel filter bank and the framing), so worker processes can
compute features without importing transformers or torch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

FEATURE_VERSION = "logmel-v1"  # recorded with every vector: a change re-embeds
MEL_FLOOR = 1e-10


@dataclass(frozen=True)
class FeatureSpec:
    mel_filters: np.ndarray  # (n_fft // 2 + 1, n_mels), the "slaney" bank CLAP uses
    n_fft: int = 1024
    hop: int = 480
    max_samples: int = 480_000  # 10 s at 48 kHz

    @property
    def frames(self) -> int:
        return 1 + self.max_samples // self.hop

    @property
    def n_mels(self) -> int:
        return self.mel_filters.shape[1]

    @classmethod
    def from_extractor(cls, extractor) -> FeatureSpec:
        """From transformers' ClapFeatureExtractor of the loaded model (its own config)."""
        return cls(
            mel_filters=np.asarray(extractor.mel_filters_slaney, dtype=np.float32),
            n_fft=int(extractor.fft_window_size),
            hop=int(extractor.hop_length),
            max_samples=int(extractor.nb_max_samples),
        )


def repeat_pad(window: np.ndarray, length: int) -> np.ndarray:
    """Short sounds are tiled whole, then zero-padded to `length` (CLAP's "repeatpad")."""
    out = np.empty(length, np.float32)
    repeat_pad_into(out, window)
    return out


def repeat_pad_into(out: np.ndarray, window: np.ndarray) -> None:
    """`repeat_pad` written into a row of a batch buffer (no per-window array, no stacking)."""
    x = np.asarray(window, dtype=np.float32)
    length = len(out)
    if len(x) >= length:
        out[:] = x[:length]
        return
    if len(x) == 0:
        out[:] = 0.0
        return
    reps = length // len(x)
    out[: reps * len(x)].reshape(reps, len(x))[:] = x
    out[reps * len(x) :] = 0.0


def _hann(n: int) -> np.ndarray:
    """The periodic Hann window (transformers' window_function default)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


class LogMel:
    """NumPy, float32, a window at a time or a batch; (frames, n_mels) per window.

    The worker's hot path (a window's features cost more CPU than decoding it): the samples
    are copied once, repeat- and reflect-padded in place, into a buffer reused from window to
    window (no stacking, no np.pad); frames are transformed ROWS at a time into reused
    buffers, so the windowed frames, their spectrum and power stay in the cache (one rfft
    over all 1001 frames ran at half the speed, in float32); the filter product uses only the
    bins the mel bank covers (CLAP's stops at 14 kHz: 298 of 513). The same values as the
    whole-array computation within float32 rounding (benchmarks/bench_worker.py reports the
    largest difference: ~4e-6 dB)."""

    ROWS = 128  # frames per transform: in the worker, 64-128 ran best, 512 at half speed

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        self.window = _hann(spec.n_fft)
        self.filters = spec.mel_filters.astype(np.float32)
        used = np.flatnonzero(self.filters.any(axis=1))
        self._lo, self._hi = (int(used[0]), int(used[-1]) + 1) if len(used) else (0, 1)
        self._band = np.ascontiguousarray(self.filters[self._lo : self._hi])
        self._scratch = threading.local()  # per thread: the embedder may be shared

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        out = np.empty((self.spec.frames, self.spec.n_mels), np.float32)
        self._into(out, samples)
        return out

    def batch(self, windows: list[np.ndarray]) -> np.ndarray:
        out = np.empty((len(windows), self.spec.frames, self.spec.n_mels), np.float32)
        for row, w in zip(out, windows, strict=True):
            self._into(row, w)
        return out

    def _buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        s, b = self.spec, self._scratch
        if not hasattr(b, "padded"):
            b.padded = np.empty(s.max_samples + s.n_fft // 2 * 2, np.float32)
            b.frames = np.empty((self.ROWS, s.n_fft), np.float32)
            b.spectrum = np.empty((self.ROWS, s.n_fft // 2 + 1), np.complex64)
            b.power = np.empty((self.ROWS, self._hi - self._lo), np.float32)
        return b.padded, b.frames, b.spectrum, b.power

    def _into(self, out: np.ndarray, samples: np.ndarray) -> None:
        s, half = self.spec, self.spec.n_fft // 2
        padded, windowed, spectrum, power = self._buffers()
        x = padded[half:-half]
        repeat_pad_into(x, samples)  # the one copy of the samples
        padded[:half] = x[half:0:-1]  # reflect padding, as np.pad(mode="reflect")
        padded[-half:] = x[-2 : -half - 2 : -1]
        frames = np.lib.stride_tricks.sliding_window_view(padded, s.n_fft)[:: s.hop]
        for a in range(0, len(frames), self.ROWS):
            n = len(frames[a : a + self.ROWS])
            np.multiply(frames[a : a + n], self.window, out=windowed[:n])
            np.fft.rfft(windowed[:n], axis=-1, out=spectrum[:n])
            np.abs(spectrum[:n, self._lo : self._hi], out=power[:n])
            np.square(power[:n], out=power[:n])
            np.matmul(power[:n], self._band, out=out[a : a + n])
        np.maximum(out, MEL_FLOOR, out=out)
        np.log10(out, out=out)
        out *= 10.0


class TorchLogMel:
    """The same on a torch device, for batches on CUDA/MPS (workers then send only samples).

    The samples are the bulk of what crosses to the GPU (1.9 MB a window): they are padded
    straight into a reused page-locked buffer and copied from there without staging. Stacking
    them first and copying from pageable memory was ~80 % of a batch on an H200."""

    def __init__(self, spec: FeatureSpec, device: str = "cpu") -> None:
        import torch

        self.spec, self.device = spec, device
        self.window = torch.from_numpy(_hann(spec.n_fft)).to(device)
        self.filters = torch.from_numpy(spec.mel_filters.astype(np.float32)).to(device)
        self._host = None  # the batch buffer, pinned on CUDA
        self._copied = None  # CUDA event: the last copy out of the buffer has finished

    def _buffer(self, n: int):
        import torch

        if self._copied is not None:
            self._copied.synchronize()  # never refill a buffer a copy is still reading
        if self._host is None or len(self._host) < n:
            pin = str(self.device).startswith("cuda")
            self._host = torch.empty((n, self.spec.max_samples), dtype=torch.float32,
                                     pin_memory=pin)  # fmt: skip
        return self._host[:n]

    def _to_device(self, host):
        import torch

        if not str(self.device).startswith("cuda"):
            return host.to(self.device)  # CPU: the buffer itself (used before the next fill)
        x = host.to(self.device, non_blocking=True)
        self._copied = torch.cuda.Event()
        self._copied.record()
        return x

    def batch(self, windows: list[np.ndarray]):
        import torch

        s = self.spec
        host = self._buffer(len(windows))
        rows = host.numpy()
        for row, w in zip(rows, windows, strict=True):
            repeat_pad_into(row, w)
        x = torch.nn.functional.pad(self._to_device(host)[:, None], (s.n_fft // 2,) * 2,
                                    "reflect")  # fmt: skip
        frames = x[:, 0].unfold(-1, s.n_fft, s.hop)
        power = torch.fft.rfft(frames * self.window, dim=-1).abs() ** 2
        mel = torch.clamp(power @ self.filters, min=MEL_FLOOR)
        return 10.0 * torch.log10(mel)
