"""laion-clap .pt checkpoints: converted with tensor-only loading and a strict key check."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from soundseek.embed import importing, models
from soundseek.errors import ModelInvalid
from tests.audiofiles import noise
from tests.tinyclap import build_tokenizer, tiny_config


def to_original_layout(hf_state: dict) -> dict:
    """Write ClapModel weights under the key names the laion-clap package uses."""
    out, qkv = {}, {}
    for key, value in hf_state.items():
        if "position_ids" in key or "token_type_ids" in key:
            continue
        k = key.replace("text_model", "text_branch").replace(
            "audio_model.audio_encoder", "audio_branch"
        )
        if k.startswith("audio_branch"):
            for new, old in (("attention.output.dense", "attn.proj"), ("attention.self", "attn"),
                             ("intermediate.dense", "mlp.fc1"), ("output.dense", "mlp.fc2"),
                             ("layernorm_before", "norm1"), ("layernorm_after", "norm2"),
                             ("batch_norm", "bn0")):  # fmt: skip
                k = k.replace(new, old)
            if m := re.search(r"attn\.(query|key|value)\.", k):
                qkv.setdefault(k.replace(m[1], "qkv"), {})[m[1]] = value
                continue
        k = re.sub(
            r"_projection\.linear([12])\.", lambda m: f"_projection.{0 if m[1] == '1' else 2}.", k
        )
        out[f"module.{k}"] = value
    for k, parts in qkv.items():
        out[f"module.{k}"] = torch.cat([parts["query"], parts["key"], parts["value"]])
    return out


@pytest.fixture
def original_checkpoint(tmp_path):
    from transformers import ClapModel

    torch.manual_seed(1)
    tok = build_tokenizer(tmp_path / "tok")
    cfg = tiny_config(len(tok))
    cfg.text_config.num_attention_heads = 1
    model = ClapModel(cfg).eval()
    ckpt = {
        "epoch": 45,
        "best_metric": np.float64(0.91),
        "state_dict": to_original_layout(model.state_dict()),
    }
    path = tmp_path / "630k-tiny.pt"
    torch.save(ckpt, path)
    return path, model


def test_pt_checkpoint_converts_to_identical_model(home, installed_tiny, original_checkpoint):
    path, original = original_checkpoint
    folder = importing.import_model(home, path, "from-pt")
    assert (folder / "model.safetensors").exists() and (folder / "tokenizer.json").exists()
    emb = models.load_embedder(home, "from-pt", "cpu", 1)
    x = noise(3.0, seed=4)
    mel = emb.logmel.batch([x])
    with torch.no_grad():
        want = original.get_audio_features(
            input_features=torch.from_numpy(mel)[:, None]
        ).pooler_output
    got = emb.embed_features(mel)
    np.testing.assert_allclose(got, torch.nn.functional.normalize(want, dim=-1).numpy(), atol=1e-5)


def test_pt_with_missing_tensors_is_refused(home, installed_tiny, original_checkpoint, tmp_path):
    path, _ = original_checkpoint
    ckpt = torch.load(path, weights_only=False)
    victim = next(k for k in ckpt["state_dict"] if "blocks.0.mlp.fc1.weight" in k)
    del ckpt["state_dict"][victim]
    broken = tmp_path / "broken.pt"
    torch.save(ckpt, broken)
    with pytest.raises(ModelInvalid, match="1 missing"):
        importing.import_model(home, broken, "broken")
    assert not (home.models_dir / "broken").exists()


def test_pickled_code_in_a_checkpoint_never_runs(home, installed_tiny, tmp_path):
    class Evil:
        def __reduce__(self):
            return (exec, ("open('" + str(tmp_path / "pwned") + "', 'w').write('x')",))

    bad = tmp_path / "evil.pt"
    torch.save({"state_dict": {"x": torch.zeros(1)}, "payload": Evil()}, bad)
    with pytest.raises(ModelInvalid, match=r"refused: this checkpoint contains code.*exec"):
        importing.import_model(home, bad)
    assert not (tmp_path / "pwned").exists()
