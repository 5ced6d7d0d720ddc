"""Convert an original laion-clap `.pt` checkpoint into transformers' ClapModel layout, safely."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from soundseek.embed.base import OnStep
from soundseek.embed.models import installed_models, load_tensors, validate_model_folder
from soundseek.errors import ModelInvalid
from soundseek.paths import AppPaths

# The renames transformers' own conversion script applies
# (models/clap/convert_clap_original_pytorch_to_hf.py in the transformers repository).
RENAMES = (
    ("text_branch", "text_model"),
    ("audio_branch", "audio_model.audio_encoder"),
    ("attn", "attention.self"),
    ("self.proj", "output.dense"),
    ("attention.self_mask", "attn_mask"),
    ("mlp.fc1", "intermediate.dense"),
    ("mlp.fc2", "output.dense"),
    ("norm1", "layernorm_before"),
    ("norm2", "layernorm_after"),
    ("bn0", "batch_norm"),
)
# Original tensors with no counterpart in ClapModel (feature front-end, training-only heads).
IGNORABLE = (
    "spectrogram_extractor", "logmel_extractor", "position_ids", "token_type_ids", "attn_mask",
    "relative_position_index", "num_batches_tracked", "audio_encoder.head.", "tscam_conv",
)  # fmt: skip
TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
    "special_tokens_map.json", "preprocessor_config.json", "processor_config.json",
)  # fmt: skip


def load_state(src: Path) -> dict:
    """Tensors only (`weights_only=True`): a checkpoint cannot run code while loading."""
    import numpy as np

    # laion-clap checkpoints pickle a few numpy scalars beside the tensors: allow only those.
    allowed = [np.dtype, getattr(np, "_core", np).multiarray.scalar]
    allowed += [t for t in vars(np.dtypes).values() if isinstance(t, type)]
    ckpt = load_tensors(src, allowed)
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ModelInvalid(f"{src} holds no state_dict")
    return {k.removeprefix("module."): v for k, v in state.items() if hasattr(v, "shape")}


def rename(state: dict) -> dict:
    """Original key names → ClapModel key names; audio qkv tensors split into q, k, v."""
    out = {}
    for key, value in state.items():
        for old, new in RENAMES:
            key = key.replace(old, new)
        if m := re.match(r".*sequential\.(\d+)\.", key):
            key = key.replace(f"sequential.{m[1]}.", f"layers.{int(m[1]) // 3}.linear.")
        elif m := re.match(r".*_projection\.(\d+)\.", key):
            key = key.replace(
                f"_projection.{m[1]}.", f"_projection.linear{1 if m[1] == '0' else 2}."
            )
        if "audio" in key and "qkv" in key:
            for part, tensor in zip(("query", "key", "value"), value.chunk(3), strict=True):
                out[key.replace("qkv", part)] = tensor
        else:
            out[key] = value
    return out


def infer_config(state: dict):
    """Rebuild the architecture from tensor shapes (unfused/fused HTSAT-tiny or -base)."""
    from transformers import ClapConfig

    def shape(k: str):
        if k not in state:
            raise ModelInvalid(f"checkpoint lacks {k}: not a LAION-CLAP HTSAT + RoBERTa model")
        return tuple(state[k].shape)

    stages = _indices(state, r"audio_branch\.layers\.(\d+)\.")
    depths = [len(_indices(state, rf"audio_branch\.layers\.{i}\.blocks\.(\d+)\.")) for i in stages]
    bias = "audio_branch.layers.{}.blocks.0.attn.relative_position_bias_table"
    heads = [shape(bias.format(i))[1] for i in stages]
    text_layers = _indices(state, r"text_branch\.encoder\.layer\.(\d+)\.")
    vocab, text_hidden = shape("text_branch.embeddings.word_embeddings.weight")
    audio = dict(
        depths=depths, num_attention_heads=heads,
        patch_embeds_hidden_size=shape("audio_branch.patch_embed.proj.weight")[0],
        hidden_size=shape("audio_projection.0.weight")[1],
        enable_fusion=any("fusion_model" in k or "mel_conv2d" in k for k in state),
    )  # fmt: skip
    text = dict(
        vocab_size=vocab, hidden_size=text_hidden, num_hidden_layers=len(text_layers),
        intermediate_size=shape("text_branch.encoder.layer.0.intermediate.dense.weight")[0],
        max_position_embeddings=shape("text_branch.embeddings.position_embeddings.weight")[0],
        num_attention_heads=max(1, text_hidden // 64),
    )  # fmt: skip
    return ClapConfig(
        audio_config=audio, text_config=text, projection_dim=shape("text_projection.2.weight")[0]
    )


def _indices(state: dict, pattern: str) -> list[int]:
    return sorted({int(m[1]) for k in state if (m := re.match(pattern, k))})


def check_complete(expected: dict, mapped: dict) -> None:
    """Every model parameter must come from the checkpoint with the right shape (no silent gaps)."""
    missing = [k for k in expected if k not in mapped and not any(i in k for i in IGNORABLE)]
    unknown = [k for k in mapped if k not in expected and not any(i in k for i in IGNORABLE)]
    wrong = [
        k for k in expected if k in mapped and tuple(mapped[k].shape) != tuple(expected[k].shape)
    ]
    if missing or unknown or wrong:
        raise ModelInvalid(
            f"checkpoint does not map onto ClapModel: {len(missing)} missing (e.g. {missing[:3]}), "
            f"{len(unknown)} unexpected (e.g. {unknown[:3]}), {len(wrong)} with wrong shapes "
            f"(e.g. {wrong[:3]})"
        )


def _tokenizer_source(paths: AppPaths, exclude: Path) -> Path:
    """LAION-CLAP uses the roberta-base tokenizer: take it from a model already on disk."""
    for folder in installed_models(paths):
        if folder != exclude and (folder / "tokenizer.json").exists():
            return folder
    raise ModelInvalid(
        "a .pt checkpoint carries no tokenizer: import a transformers model folder first "
        "(any LAION-CLAP one), then the .pt; its tokenizer and feature settings are reused"
    )


def convert_checkpoint(paths: AppPaths, src: Path, name: str | None = None,
                       on_step: OnStep | None = None) -> Path:  # fmt: skip
    """Checkpoint → validated model folder in the models dir (safetensors + tokenizer)."""
    from transformers import ClapModel

    target = paths.models_dir / (name or src.stem)
    state = load_state(src)
    config = infer_config(state)
    model = ClapModel(config).eval()
    mapped = rename(state)
    check_complete(model.state_dict(), mapped)
    model.load_state_dict(
        {k: v for k, v in mapped.items() if k in model.state_dict()}, strict=False
    )
    tok_dir = _tokenizer_source(paths, target)
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=paths.models_dir))
    try:
        model.save_pretrained(str(staging))
        for f in TOKENIZER_FILES:
            if (tok_dir / f).exists():
                shutil.copy2(tok_dir / f, staging / f)
        validate_model_folder(staging, on_step)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
