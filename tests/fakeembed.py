"""A transparent stand-in embedder for ranking tests: vectors are band energies of the audio."""

from __future__ import annotations

import itertools

import numpy as np

BANDS = np.array([0, 150, 450, 900, 1800, 3500, 7000, 14000, 24000], dtype=float)
WORD_BANDS = {"rumble": 0, "creak": 1, "hum": 1, "beep": 2, "whistle": 3, "chirp": 4, "hiss": 6}


class BandEmbedder:
    """Audio → normalised energy in 8 frequency bands; a known word → its band's unit vector."""

    model_id = "fake-bands"
    dim = 8
    device = "cpu"

    def __init__(self) -> None:
        self.audio_calls = 0
        self.windows_seen = 0

    def embed_audio(self, windows: list[np.ndarray]) -> np.ndarray:
        self.audio_calls += 1
        self.windows_seen += len(windows)
        out = []
        for w in windows:
            spec = np.abs(np.fft.rfft(w)) ** 2
            freqs = np.fft.rfftfreq(len(w), 1 / 48000)
            e = np.array(
                [spec[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in itertools.pairwise(BANDS)]
            )
            e = np.sqrt(e) + 1e-9
            out.append(e / np.linalg.norm(e))
        return np.asarray(out, dtype=np.float32)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        out = []
        for t in texts:
            v = np.full(8, 0.01)
            for word in t.lower().split():
                if word in WORD_BANDS:
                    v[WORD_BANDS[word]] += 1.0
            out.append(v / np.linalg.norm(v))
        return np.asarray(out, dtype=np.float32)
