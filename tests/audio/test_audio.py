from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from soundseek.audio.decode import (
    TARGET_RATE,
    WINDOW_SAMPLES,
    EnvelopeBuilder,
    envelope_from_bytes,
    iter_windows,
    window_count,
)
from tests.audiofiles import noise, tone, write_long_wav


def test_windows_cover_the_file_and_are_deterministic(tmp_path):
    p = tmp_path / "n.wav"
    sf.write(p, noise(25.0, rate=44100), 44100)
    a = list(iter_windows(str(p)))
    b = list(iter_windows(str(p)))
    assert len(a) == 3 == window_count(25.0)
    assert [(w.start, w.end) for w in a] == [(0.0, 10.0), (10.0, 20.0), (15.0, 25.0)]
    assert all(len(w.samples) == WINDOW_SAMPLES for w in a)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.samples, y.samples)


def test_short_click_is_one_short_window(tmp_path):
    p = tmp_path / "click.wav"
    sf.write(p, tone(0.05, 1000), 48000)
    (w,) = iter_windows(str(p))
    assert w.start == 0.0 and w.end == pytest.approx(0.05)
    assert len(w.samples) == int(0.05 * TARGET_RATE)


def test_multichannel_is_downmixed_and_resampled(tmp_path):
    p = tmp_path / "st.wav"
    left = tone(1.0, 440, rate=96000)
    sf.write(p, np.stack([left, -left], axis=1), 96000)
    (w,) = iter_windows(str(p))
    assert len(w.samples) == TARGET_RATE
    assert np.abs(w.samples).max() < 1e-3  # opposite channels cancel in the mono mix


def test_long_file_streams_without_loading_whole(tmp_path):
    p = write_long_wav(tmp_path / "long.wav", 31 * 60)
    env = EnvelopeBuilder(sf.info(str(p)).frames)
    tracemalloc.start()
    count = sum(1 for _ in iter_windows(str(p), env))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == window_count(31 * 60) == 186
    whole_file_at_48k = 31 * 60 * TARGET_RATE * 4
    assert peak < whole_file_at_48k / 10
    peaks = envelope_from_bytes(env.to_bytes())
    assert peaks.shape == (1000, 2)
    assert (peaks[:, 0] <= peaks[:, 1]).all() and peaks[:, 1].max() > 0.05
