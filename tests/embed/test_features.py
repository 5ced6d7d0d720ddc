"""The vectorised log-mel front end against transformers' ClapFeatureExtractor, the reference."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import ClapFeatureExtractor

from soundseek.embed.features import FeatureSpec, LogMel, TorchLogMel

RNG = np.random.default_rng(0)
WINDOWS = {
    "noise": 0.2 * RNG.standard_normal(480_000),
    "clipped": np.clip(3 * RNG.standard_normal(480_000), -1, 1),
    "one-shot (repeat-padded)": 0.3 * RNG.standard_normal(7_000),
    "silence": np.zeros(480_000),
    "odd length": 0.1 * RNG.standard_normal(480_000 - 13),
    "one sample": np.array([0.05]),
    "chirp": np.sin(np.cumsum(np.linspace(0.01, 1.5, 480_000))) * 0.5,
}


def reference(extractor, window: np.ndarray) -> np.ndarray:
    out = extractor([window.astype(np.float32)], sampling_rate=48_000, return_tensors="np",
                    truncation="rand_trunc", padding="repeatpad")  # fmt: skip
    return out["input_features"][0, 0]


@pytest.fixture(scope="module")
def extractor():
    return ClapFeatureExtractor()


@pytest.mark.parametrize("name", WINDOWS)
def test_numpy_and_torch_log_mel_match_the_reference(extractor, name):
    spec = FeatureSpec.from_extractor(extractor)
    window = WINDOWS[name].astype(np.float32)
    want = reference(extractor, WINDOWS[name])
    for got in (LogMel(spec)(window), TorchLogMel(spec).batch([window])[0].numpy()):
        assert got.shape == want.shape == (1001, 64)
        audible = want > want.max() - 80  # bins within 80 dB of the loudest
        assert np.abs(got - want)[audible].max() < 1e-3  # dB
        assert np.abs(got - want).mean() < 1e-2  # quiet bins: float32 rounding, still tiny


def test_batches_equal_single_windows(extractor):
    lm = LogMel(FeatureSpec.from_extractor(extractor))
    ws = [w.astype(np.float32) for w in WINDOWS.values()]
    np.testing.assert_allclose(lm.batch(ws), np.stack([lm(w) for w in ws]), atol=1e-5)


def test_vectors_from_our_features_match_the_reference_path(tiny_embedder, extractor):
    import torch

    ws = [w.astype(np.float32) for w in WINDOWS.values()]
    ours = tiny_embedder.embed_audio(ws)
    ref = np.stack([reference(extractor, w) for w in ws])
    with torch.inference_mode():
        out = tiny_embedder.model.get_audio_features(input_features=torch.from_numpy(ref)[:, None])
    want = torch.nn.functional.normalize(out.pooler_output, dim=-1).numpy()
    assert (ours * want).sum(axis=1).min() > 0.99999


def test_repeat_pad_tiles_short_sounds_whole_then_zero_pads():
    from soundseek.embed.features import repeat_pad

    x = np.array([1.0, 2.0, 3.0], np.float32)
    assert repeat_pad(x, 8).tolist() == [1, 2, 3, 1, 2, 3, 0, 0]
    assert repeat_pad(x, 2).tolist() == [1, 2]
    assert repeat_pad(np.zeros(0, np.float32), 3).tolist() == [0, 0, 0]


def test_device_batches_reuse_their_buffer_without_mixing_windows(extractor):
    """A later, smaller batch must not see an earlier batch's samples."""
    spec = FeatureSpec.from_extractor(extractor)
    tlm = TorchLogMel(spec)
    loud = [np.random.default_rng(1).normal(0, 0.5, 48000).astype(np.float32)] * 3
    tlm.batch(loud)
    quiet = np.zeros(4800, np.float32)
    again = tlm.batch([quiet])[0].numpy()
    assert np.allclose(again, TorchLogMel(spec).batch([quiet])[0].numpy())


def _whole_array_log_mel(spec: FeatureSpec, window: np.ndarray) -> np.ndarray:
    """LogMel as b44c430 computed it: every frame in one rfft, |X| squared, the whole bank."""
    from soundseek.embed.features import MEL_FLOOR, _hann, repeat_pad

    half = spec.n_fft // 2
    x = np.pad(repeat_pad(window, spec.max_samples), (half, half), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(x, spec.n_fft)[:: spec.hop]
    power = np.abs(np.fft.rfft(frames * _hann(spec.n_fft), axis=-1)).astype(np.float32) ** 2
    return 10.0 * np.log10(np.maximum(MEL_FLOOR, power @ spec.mel_filters))


def test_blockwise_features_equal_the_whole_array_computation_within_rounding(extractor):
    """Features are stored with FEATURE_VERSION "logmel-v1": the faster computation must give
    the same values (float32 rounding apart), for full, longer and repeat-padded windows."""
    spec = FeatureSpec.from_extractor(extractor)
    lm = LogMel(spec)
    rng = np.random.default_rng(5)
    for n in (480_000, 480_001, 600_000, 479_999, 250_000, 1_025, 3):
        w = (0.3 * rng.standard_normal(n)).astype(np.float32)
        got, want = lm(w), _whole_array_log_mel(spec, w)
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).max() < 1e-4  # dB; measured up to ~2e-5


def test_log_mel_is_safe_to_share_between_threads(extractor):
    from concurrent.futures import ThreadPoolExecutor

    lm = LogMel(FeatureSpec.from_extractor(extractor))
    ws = [w.astype(np.float32) for w in WINDOWS.values()] * 3
    alone = [lm(w) for w in ws]
    with ThreadPoolExecutor(4) as pool:
        shared = list(pool.map(lm, ws))
    for a, b in zip(alone, shared, strict=True):
        np.testing.assert_array_equal(a, b)
