"""Landmark hashes: pairs of spectral peaks (the Shazam/audfprint idea), tuned for short sounds.

A peak is a local maximum of the log spectrum (a small neighbourhood: transients put all their
peaks in one frame); each anchor peak pairs with the next few peaks within ~0.5 s and half the
band, and the pair (anchor bin, bin step, frame step) is the hash, kept with the anchor's frame.
A copy of a sound shares many hashes at one constant frame offset, whatever was done to its
level, codec, rate or length; two different sounds rarely share more than a few at one offset.

Peaks are chosen per 0.25 s block (the strongest of each, with a floor of MIN_PEAKS for a whole
short sound), a local choice: trimming a loud start does not change what the tail keeps.
Parameters come from the method study (benchmarks/bench_dupe_methods.py): a floor of 60 peaks
rather than 30 gained 2 points of recall under 0.5 s, same-frame pairs found drum hits.
"""

from __future__ import annotations

import numpy as np

NFFT, HOP = 512, 128  # at PRINT_RATE: 43 ms window, 10.7 ms hop
FANOUT, MAX_DT, MAX_DF = 6, 48, 48  # pairs per anchor; reach in frames (~0.5 s) and bins
NEIGH_T, NEIGH_F = 2, 4  # a peak is the largest within +-2 frames and +-4 bins
FLOOR = 8.0  # natural-log units below the chunk's loudest bin: quieter bins hold no peaks
BLOCK, PEAKS_PER_BLOCK, MIN_PEAKS = 22, 10, 60
_WINDOW = np.hanning(NFFT).astype(np.float32)


_ROWS = 128  # frames per transform: a chunk's ~2900 frames in one rfft ran at half the speed


def log_spectrum(mono: np.ndarray, nfft: int = NFFT, hop: int = HOP) -> np.ndarray:
    """(frames, nfft/2) log magnitudes, DC dropped; a signal shorter than a window is padded.

    In float32, _ROWS frames at a time into the output (the same values, bit for bit, as the
    whole-array rfft, abs and log: the prints' hashes depend on them)."""
    mono = np.asarray(mono, dtype=np.float32)
    if len(mono) < nfft:
        mono = np.pad(mono, (0, nfft - len(mono)))
    frames = np.lib.stride_tricks.sliding_window_view(mono, nfft)[::hop]
    window = _WINDOW if nfft == NFFT else np.hanning(nfft).astype(np.float32)
    out = np.empty((len(frames), nfft // 2), np.float32)
    windowed = np.empty((min(_ROWS, len(frames)), nfft), np.float32)
    for a in range(0, len(frames), _ROWS):
        n = len(frames[a : a + _ROWS])
        np.multiply(frames[a : a + n], window, out=windowed[:n])
        np.abs(np.fft.rfft(windowed[:n], axis=1)[:, 1:], out=out[a : a + n])
    out += np.float32(1e-6)
    return np.log(out, out=out)


def running_max(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Max over a window of 2k+1 along one axis (clipped at the ends), by doubling: spans of
    2, 4, 8... then two of them cover the window (exact: a max is a max, in any order)."""
    n = a.shape[axis]
    if k <= 0 or n <= 1:
        return a.copy()

    def part(lo: int, hi: int) -> tuple[slice, ...]:
        index = [slice(None)] * a.ndim
        index[axis] = slice(lo, hi)
        return tuple(index)

    pad = np.full((*a.shape[:axis], k, *a.shape[axis + 1 :]), -np.inf, a.dtype)
    m = np.concatenate([pad, a, pad], axis=axis)  # m[i + k] = a[i]; -inf outside
    span, width = 1, 2 * k + 1
    while 2 * span <= width:  # m[i] = max of the padded a over [i, i + 2 * span)
        m = np.maximum(m[part(0, -span)], m[part(span, None)])
        span *= 2
    return np.maximum(m[part(0, n)], m[part(width - span, width - span + n)])


def peaks(spec: np.ndarray, first_frame: int, blocks_total: int | None = None):
    """(frame, bin) of the kept peaks; frames are absolute (`first_frame` is the chunk's)."""
    if not spec.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    local = spec == running_max(running_max(spec, NEIGH_T, 0), NEIGH_F, 1)
    t, f = np.nonzero(local & (spec > spec.max() - FLOOR))
    mag = spec[t, f]
    t = t + first_frame
    blocks = blocks_total or max(1, len(spec) // BLOCK)
    per = max(PEAKS_PER_BLOCK, -(-MIN_PEAKS // blocks))
    block = t // BLOCK
    order = np.lexsort((-mag, block))
    t, f, block = t[order], f[order], block[order]
    first = np.searchsorted(block, block, "left")
    keep = np.arange(len(t)) - first < per
    return t[keep].astype(np.int64), f[keep].astype(np.int64)


def pair_hashes(t: np.ndarray, f: np.ndarray) -> np.ndarray:
    """(hash, anchor frame) rows: each anchor with its next FANOUT peaks in reach."""
    order = np.lexsort((f, t))
    t, f = t[order], f[order]
    hashes, anchors = [], []
    for j in range(1, FANOUT * 4):
        dt, df = t[j:] - t[:-j], f[j:] - f[:-j]
        ok = (dt < MAX_DT) & (np.abs(df) < MAX_DF) & ((dt > 0) | (df > 0))
        hashes.append((f[:-j][ok] << 14) | ((df[ok] + MAX_DF) << 6) | dt[ok])
        anchors.append(t[:-j][ok])
    if not hashes:
        return np.zeros((0, 2), np.int64)
    return _cap_fanout(np.stack([np.concatenate(hashes), np.concatenate(anchors)], axis=1))


def _cap_fanout(rows: np.ndarray) -> np.ndarray:
    """At most FANOUT pairs per anchor (one anchor: one frame and bin); the distinct rows,
    sorted by (hash, frame) as np.unique(axis=0) sorts them, from one int64 key a row."""
    if not len(rows):
        return np.zeros((0, 2), np.int64)
    anchor = rows[:, 1] * 512 + (rows[:, 0] >> 14)
    order = np.argsort(anchor, kind="stable")
    rows, anchor = rows[order], anchor[order]
    first = np.r_[0, np.nonzero(np.diff(anchor))[0] + 1]
    rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
    kept = rows[rank < FANOUT].astype(np.int64)
    key = np.unique((kept[:, 0] << 32) | kept[:, 1])  # hash < 2**22, frame < 2**32
    return np.stack([key >> 32, key & 0xFFFFFFFF], axis=1)
