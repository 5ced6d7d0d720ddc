from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from soundseek.audio.decode import (
    TARGET_RATE,
    WINDOW_SAMPLES,
    EnvelopeBuilder,
    cut_windows,
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


@pytest.mark.parametrize("seconds", [0.0, 0.5, 10.0, 13.0, 20.0, 31.7])
def test_windows_do_not_depend_on_how_the_stream_is_chunked(seconds):
    """Windows are slices of the whole stream: consecutive 10 s, the last one ending at the
    end (overlapping the one before), whatever the chunks the resampler handed out."""
    x = np.arange(int(seconds * TARGET_RATE), dtype=np.float32)
    n = len(x)
    full = max(1, -(-n // WINDOW_SAMPLES)) - 1 if n > WINDOW_SAMPLES else 0
    want = [x[i * WINDOW_SAMPLES : (i + 1) * WINDOW_SAMPLES] for i in range(full)]
    if n <= WINDOW_SAMPLES:
        want = [x if n else np.zeros(1, np.float32)]
    elif n % WINDOW_SAMPLES:
        want.append(x[-WINDOW_SAMPLES:])
    else:
        want.append(x[full * WINDOW_SAMPLES :])
    for size in (1_000, 123_457, WINDOW_SAMPLES, 700_001, max(1, n)):
        chunks = [x[i : i + size] for i in range(0, n, size)] + [np.zeros(0, np.float32)]
        got = list(cut_windows(iter(chunks)))
        assert [w.index for w in got] == list(range(len(want)))
        for w, v in zip(got, want, strict=True):
            np.testing.assert_array_equal(w.samples, v)
            assert w.end == pytest.approx(max(len(v), 1) / TARGET_RATE + w.start) or n == 0


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
