"""Candidate duplicate fingerprints studied by bench_dupe_methods: landmark peak-pair hashes,
Chromaprint raw items (system libchromaprint via ctypes), a log-mel summary vector with its frame
sequence, and the correlations used to verify a candidate pair. All work on mono 11025 Hz."""

from __future__ import annotations

import ctypes

import numpy as np

from soundseek.audio.alignment import frames_correlation, melbank
from soundseek.audio.landmarks import log_spectrum, pair_hashes, peaks

FP_RATE = 11025


# ----------------------------------------------------------------------------- (a) landmarks

LM_HOP = 128  # the product's landmark hop (audio.landmarks.HOP): 11.6 ms at 11025 Hz


def landmark_fp(mono: np.ndarray) -> np.ndarray:
    """(hash, frame) rows: local spectral peaks, each paired with its next few peaks.
    The product's own code (audio.landmarks), which the study's parameters became."""
    t, f = peaks(log_spectrum(mono), 0)
    return pair_hashes(t, f)


# ----------------------------------------------------------------------------- (b) chromaprint


class Chromaprint:
    """Raw fingerprints from the system libchromaprint.so.1 via ctypes."""

    def __init__(self) -> None:
        lib = ctypes.CDLL("libchromaprint.so.1")
        lib.chromaprint_new.restype = ctypes.c_void_p
        lib.chromaprint_new.argtypes = [ctypes.c_int]
        for name in ("chromaprint_free", "chromaprint_finish", "chromaprint_dealloc"):
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        lib.chromaprint_start.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.chromaprint_feed.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        lib.chromaprint_get_raw_fingerprint.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.POINTER(ctypes.c_uint32)),
            ctypes.POINTER(ctypes.c_int),
        ]
        lib.chromaprint_get_version.restype = ctypes.c_char_p
        self.lib, self.version = lib, lib.chromaprint_get_version().decode()

    def raw(self, mono: np.ndarray) -> np.ndarray:
        """uint32 items, one per 0.124 s (4096-sample frames, 1/3 hop, at 11025 Hz)."""
        lib, ctx = self.lib, self.lib.chromaprint_new(1)  # CHROMAPRINT_ALGORITHM_DEFAULT
        try:
            pcm = np.ascontiguousarray((np.clip(mono, -1, 1) * 32767).astype(np.int16))
            lib.chromaprint_start(ctx, FP_RATE, 1)
            lib.chromaprint_feed(ctx, pcm.ctypes.data, len(pcm))
            lib.chromaprint_finish(ctx)
            ptr, size = ctypes.POINTER(ctypes.c_uint32)(), ctypes.c_int()
            if not lib.chromaprint_get_raw_fingerprint(ctx, ctypes.byref(ptr), ctypes.byref(size)):
                return np.zeros(0, np.uint32)
            out = np.ctypeslib.as_array(ptr, shape=(size.value,)).copy() if size.value else []
            lib.chromaprint_dealloc(ptr)
            return np.asarray(out, np.uint32)
        finally:
            lib.chromaprint_free(ctx)


CP_HOP_S = 4096 / 3 / FP_RATE


# ----------------------------------------------------------------------------- (c) mel vector

MEL_NFFT, MEL_HOP, MEL_BANDS = 512, 220, 32  # 20 ms frames


MELBANK = melbank(FP_RATE, MEL_NFFT, MEL_BANDS, 5000.0)


def melvec_fp(mono: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(64-d unit vector: per-band mean and std of log-mel, gain removed; the frame sequence)."""
    power = np.exp(2 * log_spectrum(mono, MEL_NFFT, MEL_HOP))
    frames = np.log(power @ MELBANK + 1e-9).astype(np.float32)
    energy = frames.max(axis=1)
    active = frames[energy > energy.max() - 12] if len(frames) else frames
    centred = active - active.mean()  # a gain change is a constant in log
    vec = np.concatenate([centred.mean(axis=0), active.std(axis=0)])
    return vec / (np.linalg.norm(vec) + 1e-9), frames - frames.mean()


def mel_ncc(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Best normalised correlation of two log-mel sequences over all lags where the shorter
    one overlaps the longer by at least 80% of its length; returns (score, lag of b in a)."""
    swap = len(b) > len(a)
    long, short = (b, a) if swap else (a, b)
    n, m = len(long), len(short)
    need = max(1, int(0.8 * m))
    best, lag = -1.0, 0
    for k in range(-(m - need), n - need + 1):
        lo, hi = max(0, k), min(n, k + m)
        x, y = long[lo:hi], short[lo - k : hi - k]
        x, y = x - x.mean(), y - y.mean()
        s = float((x * y).sum() / (np.sqrt((x * x).sum() * (y * y).sum()) + 1e-9))
        if s > best:
            best, lag = s, k
    return best, (-lag if swap else lag)


def mel_ncc_at(a: np.ndarray, b: np.ndarray, lag: int, spread: int = 2) -> float:
    """Best correlation of b placed at a[lag:] (+-spread frames) over their overlap."""
    return frames_correlation(a, b, lag, spread)


def wave_ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Best normalised waveform cross-correlation of the shorter signal anywhere inside the
    longer one (gain-invariant; a re-encode keeps it near 1, another strike does not)."""
    long, short = (a, b) if len(a) >= len(b) else (b, a)
    if len(short) < 64 or not np.any(short):
        return 0.0
    n = 1 << int(np.ceil(np.log2(len(long) + len(short))))
    corr = np.fft.irfft(np.fft.rfft(long, n) * np.conj(np.fft.rfft(short, n)), n)[: len(long)]
    energy = np.r_[0, np.cumsum(long.astype(np.float64) ** 2)]
    m = len(short)
    window = energy[np.minimum(np.arange(len(long)) + m, len(long))] - energy[: len(long)]
    ncc = corr / (np.sqrt(window * (short.astype(np.float64) ** 2).sum()) + 1e-12)
    return float(ncc.max())
