"""LAION-CLAP through transformers' ClapModel: audio windows and text to vectors on a device."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from soundseek.audio.decode import TARGET_RATE
from soundseek.embed.base import normalise
from soundseek.errors import ModelInvalid

os.environ.setdefault("PYTORCH_ENABLE_MPS_FALLBACK", "1")

MIN_VOCAB = 100


def resolve_device(preference: str = "auto") -> str:
    """CUDA, else Apple MPS, else CPU; an explicit choice that is not available falls back."""
    import torch

    pref = preference.lower()
    if pref in ("cuda", "auto") and torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if pref in ("mps", "auto") and mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class ClapEmbedder:
    """LAION-CLAP through transformers' ClapModel, loaded from a local folder only."""

    def __init__(
        self, model_dir: str | Path, model_id: str, device: str = "auto", threads: int = 0
    ) -> None:
        import torch
        from transformers import ClapModel, ClapProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.model_id = model_id
        self.device = resolve_device(device)
        if self.device == "cpu" and threads:
            # torch's default (all physical cores) measured best for batched indexing;
            # benchmarks/bench_index.py compares thread counts.
            torch.set_num_threads(threads)
        self.dtype = torch.float16 if self.device == "cuda" else torch.float32
        try:
            self.processor = ClapProcessor.from_pretrained(str(model_dir), local_files_only=True)
            model = ClapModel.from_pretrained(str(model_dir), local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelInvalid(f"{model_dir} is not a usable CLAP model folder: {exc}") from exc
        self.model = model.to(self.device, dtype=self.dtype).eval()
        self.dim = int(model.config.projection_dim)
        self._check_tokenizer()

    def _check_tokenizer(self) -> None:
        """Refuse the silent few-token tokenizer that makes every query embed the same."""
        tok = self.processor.tokenizer
        expected = self.model.config.text_config.vocab_size
        if len(tok) < MIN_VOCAB or len(tok) > expected:
            raise ModelInvalid(
                f"tokenizer has {len(tok)} tokens, model expects {expected}: "
                "the tokenizer files are broken"
            )
        a, b = tok(["door creak", "distant thunder"])["input_ids"]
        if a == b:
            raise ModelInvalid("tokenizer maps different texts to the same tokens")

    def features(self, windows: list[np.ndarray]) -> dict:
        """Mel features (CPU, numpy): computed in the decode thread, off the model's path."""
        return dict(
            self.processor.feature_extractor(
                windows,
                sampling_rate=TARGET_RATE,
                return_tensors="pt",
                truncation="rand_trunc",
                padding="repeatpad",
            )
        )

    def embed_features(self, feats: list[dict]) -> np.ndarray:
        """Run the audio encoder on features computed earlier (possibly one window at a time)."""
        import torch

        inputs = {k: torch.cat([f[k] for f in feats]).to(self.device) for k in feats[0]}
        inputs["input_features"] = inputs["input_features"].to(self.dtype)
        with torch.inference_mode():
            out = self.model.get_audio_features(**inputs)
        return normalise(_pooled(out).float().cpu().numpy())

    def embed_audio(self, windows: list[np.ndarray]) -> np.ndarray:
        return self.embed_features([self.features(windows)])

    def embed_text(self, texts: list[str]) -> np.ndarray:
        import torch

        tokens = self.processor.tokenizer(
            texts, padding=True, truncation=True, max_length=77, return_tensors="pt"
        )
        with torch.inference_mode():
            out = self.model.get_text_features(**{k: v.to(self.device) for k, v in tokens.items()})
        return normalise(_pooled(out).float().cpu().numpy())


def _pooled(out: object):
    """transformers 5 returns an output object (`pooler_output`); 4.x returned the tensor."""
    return getattr(out, "pooler_output", out)
