"""Audio encoder backends and their fidelity gate: faster runtimes only where they agree with
torch fp32, and the index records which ones made its vectors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from soundseek.embed import backends
from soundseek.embed.backends import TorchAudio, gate_windows, judge, linear_resize
from soundseek.embed.clap import ClapEmbedder
from tests.helpers import index


def _fresh(model_dir, dest):
    """A copy without cached exports or verdicts (the gate runs again)."""
    shutil.copytree(model_dir, dest, ignore=shutil.ignore_patterns(backends.CACHE_DIR))
    return dest


@pytest.fixture
def fresh_model(tiny_model_dir, tmp_path):
    """The untrained tiny model: its int8 export fails the gate (below)."""
    return _fresh(tiny_model_dir, tmp_path / "tiny")


@pytest.fixture
def fresh_trained(trained_tiny_dir, tmp_path):
    """The trained tiny model: its int8 export passes the gate."""
    return _fresh(trained_tiny_dir, tmp_path / "trained")


def test_cpu_uses_int8_onnx_runtime_after_passing_the_gate(fresh_trained):
    emb = ClapEmbedder(fresh_trained, "trained", "cpu", 1)
    assert (emb.pipeline.backend, emb.pipeline.precision) == ("onnxruntime", "int8")
    assert emb.gate.passed and emb.gate.mean_cos >= 0.99 and emb.gate.worst_cos >= 0.98
    assert emb.gate.top10_overlap >= 0.9 and emb.gate.query_top10 >= 0.9
    mel = gate_windows(emb.feature_spec)
    reference = TorchAudio(emb.model, "cpu").embed_mel(mel)
    assert (emb.embed_features(mel) * reference).sum(axis=1).min() > 0.99
    again = ClapEmbedder(fresh_trained, "trained", "cpu", 2)
    assert again.gate == emb.gate, "the export and the verdict are cached beside the model"
    assert np.abs(again.embed_features(mel) - emb.embed_features(mel)).max() < 1e-5, (
        "a window's int8 vector is its own, however the windows are batched and split"
    )
    assert np.abs(again.embed_features(mel[5:6]) - emb.embed_features(mel)[5:6]).max() < 1e-5


def test_side_by_side_sessions_give_the_same_vectors_in_order(tiny_model_dir):
    """A batch split across single-threaded sessions comes back whole and in order (the
    session model's cached export: the sessions are under test here, not the export)."""
    one = ClapEmbedder(tiny_model_dir, "tiny", "cpu", 1)
    three = ClapEmbedder(tiny_model_dir, "tiny", "cpu", 3)
    assert (len(one.audio.sessions), len(three.audio.sessions)) == (1, 3)
    mel = gate_windows(one.feature_spec)[:7]
    a, b = one.embed_features(mel), three.embed_features(mel)
    assert a.shape == b.shape == (7, one.dim)
    assert np.abs(a - b).max() < 1e-5
    assert np.abs(three.embed_features(mel[:1]) - a[:1]).max() < 1e-5


def test_fp32_asked_for_never_quantises(fresh_trained):
    emb = ClapEmbedder(fresh_trained, "trained", "cpu", 1, precision="fp32")
    assert emb.pipeline.runtime == "onnxruntime-fp32" and emb.gate.mean_cos >= 0.999
    assert not list((fresh_trained / backends.CACHE_DIR).glob("*.int8.onnx"))


def test_int8_that_ranks_differently_falls_back_to_fp32(fresh_model):
    """The untrained model hears every window almost alike: int8 keeps each vector within
    a cosine of 0.999 of torch's, but not which windows are nearest each other."""
    emb = ClapEmbedder(fresh_model, "tiny", "cpu", 1)
    assert emb.pipeline.runtime == "onnxruntime-fp32"
    verdicts = {k.split(":")[0]: v for k, v in backends.load_verdicts(fresh_model).items()}
    int8 = verdicts["onnxruntime-int8"]
    assert not int8["passed"] and int8["mean_cos"] > 0.999 and int8["top10_overlap"] < 0.9
    cache = fresh_model / backends.CACHE_DIR
    assert not list(cache.glob("*.int8.onnx")), "an export that failed is not kept"
    again = ClapEmbedder(fresh_model, "tiny", "cpu", 1)
    assert again.pipeline.runtime == "onnxruntime-fp32"
    assert not list(cache.glob("*.int8.onnx")), "nor made again"


def test_a_runtime_that_disagrees_is_not_used(fresh_model, monkeypatch):
    noisy = np.random.default_rng(0).standard_normal((48, 32)).astype(np.float32)
    monkeypatch.setattr(backends.OnnxAudio, "embed_mel", lambda self, mel: noisy[: len(mel)])
    emb = ClapEmbedder(fresh_model, "tiny", "cpu", 1)
    assert emb.pipeline.runtime == "torch-fp32" and emb.gate is None
    verdicts = backends.load_verdicts(fresh_model)
    assert [v["passed"] for v in verdicts.values()] == [False, False]


def test_the_gate_catches_a_small_but_real_disagreement():
    rng = np.random.default_rng(1)
    ref = rng.standard_normal((24, 32)).astype(np.float32)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    drift = ref + 0.012 * rng.standard_normal(ref.shape).astype(np.float32)
    drift /= np.linalg.norm(drift, axis=1, keepdims=True)
    assert judge(ref, ref, "fp32").passed
    assert not judge(ref, drift, "fp32").passed  # ~0.998 mean cosine: not good enough
    assert judge(ref, drift, "int8").passed


def test_the_gate_catches_vectors_close_in_cosine_that_rank_queries_differently():
    """Near-identical windows (a tight cluster, as from a model that hears little difference
    between them): a drift that keeps every cosine above 0.999 still reorders what each text
    query finds first, and users see rankings."""
    rng = np.random.default_rng(2)
    centre = rng.standard_normal(32).astype(np.float32)
    ref = centre + 0.02 * rng.standard_normal((48, 32)).astype(np.float32)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    drift = ref + 0.004 * rng.standard_normal(ref.shape).astype(np.float32)
    drift /= np.linalg.norm(drift, axis=1, keepdims=True)
    queries = rng.standard_normal((24, 32)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    assert (ref * drift).sum(axis=1).min() > 0.999
    assert judge(ref, ref, "int8", queries).passed
    result = judge(ref, drift, "int8", queries)
    assert result.query_top10 < 0.9 and not result.passed


def test_torch_can_be_asked_for(fresh_model):
    assert ClapEmbedder(fresh_model, "tiny", "cpu", 1, backend="torch").pipeline.runtime == (
        "torch-fp32"
    )


def test_mps_resize_as_a_matrix_equals_the_bicubic_one(tiny_embedder):
    model = tiny_embedder.model
    mel = torch.from_numpy(gate_windows(tiny_embedder.feature_spec)[:4])[:, None]
    with torch.inference_mode():
        want = model.get_audio_features(input_features=mel).pooler_output
        linear_resize(model.audio_model.audio_encoder)
        try:
            got = model.get_audio_features(input_features=mel).pooler_output
        finally:
            del model.audio_model.audio_encoder.reshape_mel2img  # back to the class method
    assert torch.allclose(got, want, atol=1e-4)


def test_switching_to_a_gate_passing_runtime_keeps_the_vectors(home, tmp_path, tiny_model_dir):
    """An index made through torch, then through ONNX Runtime (its export and passed gate
    cached beside the model, as after any first load): no file is embedded again."""
    import soundfile as sf

    from soundseek.index.store import Store
    from tests.audiofiles import noise

    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "a.wav", noise(2.0), 48000)
    model = tmp_path / "tiny"
    shutil.copytree(tiny_model_dir, model)
    index(home, [lib], ClapEmbedder(model, "tiny", "cpu", 1, backend="torch"))
    onnx = ClapEmbedder(model, "tiny", "cpu", 1)
    assert onnx.gate is not None and onnx.gate.passed
    events = index(home, [lib], onnx)
    assert not any("re-embedding" in e.message for e in events)
    assert Store(home.store_dir).info.runtimes == ("torch-fp32", "onnxruntime-fp32")


def test_an_export_from_an_older_exporter_is_replaced_not_kept(fresh_model):
    cache = fresh_model / backends.CACHE_DIR
    cache.mkdir()
    (cache / "audio-0123456789abcdef.onnx").write_bytes(b"old export")
    emb = ClapEmbedder(fresh_model, "tiny", "cpu", 1)
    assert emb.pipeline.backend == "onnxruntime"
    assert [p.name for p in cache.glob("*.onnx")] == [f"audio-{emb.pipeline.checkpoint}-x2.onnx"]
