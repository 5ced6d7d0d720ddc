from __future__ import annotations

import json

import numpy as np
import pytest

from soundseek.embed.base import caption_variants, query_vector
from soundseek.embed.clap import ClapEmbedder
from soundseek.errors import ModelInvalid
from tests.audiofiles import noise, tone


def test_tiny_model_loads_through_real_loader(tiny_embedder):
    assert tiny_embedder.dim == 32
    assert tiny_embedder.device == "cpu"
    v = tiny_embedder.embed_text(["door creak", "distant thunder roll"])
    assert v.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert float(v[0] @ v[1]) < 0.9999, "different texts must not embed the same"


def test_audio_vectors_do_not_depend_on_batch_company(tiny_embedder):
    a, b, c = tone(3.0, 300), noise(10.0, seed=1), tone(0.05, 1000)
    alone = tiny_embedder.embed_audio([a])
    batched = tiny_embedder.embed_audio([b, a, c])
    np.testing.assert_allclose(alone[0], batched[1], atol=1e-5)
    assert np.linalg.norm(batched - batched[0], axis=1)[1:].min() > 1e-4


def test_broken_few_token_tokenizer_is_refused(tiny_model_dir, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in (f for f in tiny_model_dir.iterdir() if f.is_file()):
        (broken / f.name).write_bytes(f.read_bytes())
    tok = json.loads((broken / "tokenizer.json").read_text())
    keep = dict(list(tok["model"]["vocab"].items())[:5])
    tok["model"]["vocab"], tok["model"]["merges"] = keep, []
    (broken / "tokenizer.json").write_text(json.dumps(tok))
    with pytest.raises(ModelInvalid, match="tokenizer"):
        ClapEmbedder(broken, "broken", device="cpu")


def test_caption_phrasing_only_for_short_queries(tiny_embedder):
    assert caption_variants("dog") == [
        "dog", "the sound of dog", "dog sound effect", "a recording of dog",
    ]  # fmt: skip
    assert caption_variants("a large dog barking far away at night") == [
        "a large dog barking far away at night"
    ]
    with_captions = query_vector(tiny_embedder, "dog", captions=True)
    plain = query_vector(tiny_embedder, "dog", captions=False)
    assert float(with_captions @ plain) < 0.99999
