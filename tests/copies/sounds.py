"""Sounds with a character for the copy tests: creaks (wandering harmonics with grain) whose
seeds make them different recordings of one kind."""

from __future__ import annotations

import numpy as np
import soundfile as sf

RATE = 48000


def creak(seconds: float, seed: int, rate: int = RATE) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = 180 + 120 * np.cumsum(rng.standard_normal(n)) / np.sqrt(n) * 4
    phase = 2 * np.pi * np.cumsum(np.abs(f0)) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 9))
    grain = rng.standard_normal(n) * (rng.random(n) < 0.002)
    env = np.clip(np.convolve(rng.random(n // 2400 + 1), np.ones(3) / 3, "same"), 0.1, 1)
    env = np.interp(t, np.linspace(0, seconds, len(env)), env)
    return (0.15 * env * tone + 0.3 * np.convolve(grain, np.hanning(64), "same")).astype(np.float32)


def write(path, data: np.ndarray, rate: int = RATE, **kw) -> str:
    sf.write(str(path), data, rate, **kw)
    return str(path)
