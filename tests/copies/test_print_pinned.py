"""Stored prints (PRINT_VERSION 1) stay valid only while the hashes of the same audio stay the
same, bit for bit: the faster landmarks code is compared with the straightforward
implementation the first version shipped (b44c430), on the same machine (a digest pinned in
the file would depend on the SIMD paths soxr and pocketfft pick at run time)."""

from __future__ import annotations

import numpy as np
import pytest

from soundseek.audio import landmarks, soundprint
from soundseek.audio.soundprint import print_of
from tests.copies.sounds import creak


def exact_sound(seconds: float, seed: int, rate: int = 48_000) -> np.ndarray:
    n = int(seconds * rate)
    i = np.arange(n, dtype=np.uint64)
    h = (i + np.uint64(seed)) * np.uint64(0x9E3779B97F4A7C15)  # splitmix64's mixer
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    noise = (h >> np.uint64(40)).astype(np.float64) / 2**23 - 1.0
    seg = (i // np.uint64(rate // 4)).astype(np.int64)  # quarter seconds
    out = 0.05 * noise * ((seg + seed) % 3 == 0)
    k = i.astype(np.int64)
    for voice, base in enumerate((97, 61, 23)):
        period = base + (seg * (voice + 3) + seed) % 17 * (voice + 1)
        level = ((seg * 7 + voice * 5 + seed) % 11) / 40.0
        out += level * ((k % period) / period - 0.5)
    clicks = (k % (rate * 37 // 100)) < 24
    out += 0.6 * clicks * ((k % 7) / 7.0 - 0.5)
    return out.astype(np.float32)


# -- the first version's landmarks, as b44c430 shipped them ----------------------------------


def _log_spectrum_v1(mono, nfft=landmarks.NFFT, hop=landmarks.HOP):
    if len(mono) < nfft:
        mono = np.pad(mono, (0, nfft - len(mono)))
    frames = np.lib.stride_tricks.sliding_window_view(mono, nfft)[::hop]
    window = np.hanning(nfft).astype(np.float32)
    spec = np.abs(np.fft.rfft(frames * window, axis=1))
    return np.log(spec[:, 1:] + 1e-6).astype(np.float32)


def _running_max_v1(a, k, axis):
    out = a.copy()
    for s in range(1, k + 1):
        lo = [slice(None)] * a.ndim
        hi = [slice(None)] * a.ndim
        lo[axis], hi[axis] = slice(s, None), slice(None, -s)
        np.maximum(out[tuple(hi)], a[tuple(lo)], out=out[tuple(hi)])
        np.maximum(out[tuple(lo)], a[tuple(hi)], out=out[tuple(lo)])
    return out


def _pair_hashes_v1(t, f):
    order = np.lexsort((f, t))
    t, f = t[order], f[order]
    rows = []
    for j in range(1, landmarks.FANOUT * 4):
        dt, df = t[j:] - t[:-j], f[j:] - f[:-j]
        ok = (dt < landmarks.MAX_DT) & (np.abs(df) < landmarks.MAX_DF) & ((dt > 0) | (df > 0))
        h = (f[:-j][ok] << 14) | ((df[ok] + landmarks.MAX_DF) << 6) | dt[ok]
        rows.append(np.stack([h, t[:-j][ok]], axis=1))
    rows = np.concatenate(rows) if rows else np.zeros((0, 2), np.int64)
    if not len(rows):
        return np.zeros((0, 2), np.int64)
    anchor = rows[:, 1] * 512 + (rows[:, 0] >> 14)
    order = np.argsort(anchor, kind="stable")
    rows, anchor = rows[order], anchor[order]
    first = np.r_[0, np.nonzero(np.diff(anchor))[0] + 1]
    rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
    return np.unique(rows[rank < landmarks.FANOUT], axis=0).astype(np.int64)


@pytest.mark.parametrize("sound", ["creak 66 s", "creak 2 s", "exact 40 s", "silence", "click"])
def test_prints_equal_the_first_versions(sound, monkeypatch):
    x = {
        "creak 66 s": lambda: np.tile(creak(11.0, seed=7), 6),
        "creak 2 s": lambda: creak(2.0, seed=8),
        "exact 40 s": lambda: exact_sound(40.0, seed=9),
        "silence": lambda: np.zeros(48_000, np.float32),
        "click": lambda: np.r_[np.zeros(100), 0.9, np.zeros(2000)].astype(np.float32),
    }[sound]()
    now = print_of(x)
    monkeypatch.setattr(soundprint, "log_spectrum", _log_spectrum_v1)
    monkeypatch.setattr(landmarks, "running_max", _running_max_v1)
    monkeypatch.setattr(soundprint, "pair_hashes", _pair_hashes_v1)
    first = print_of(x)
    assert now.to_bytes() == first.to_bytes()


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (3, 2), (5, 9), (40, 255), (2000, 3)])
def test_running_max_equals_the_shifted_maxima(shape):
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    for k in range(6):
        for axis in (0, 1):
            assert np.array_equal(landmarks.running_max(a, k, axis), _running_max_v1(a, k, axis))
