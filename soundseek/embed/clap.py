"""LAION-CLAP through transformers' ClapModel: audio windows and text to vectors on a device."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from soundseek.embed.base import normalise
from soundseek.embed.features import FeatureSpec, LogMel
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
        self.feature_spec = FeatureSpec.from_extractor(self.processor.feature_extractor)
        self.logmel = LogMel(self.feature_spec)

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

    def embed_features(self, feats: np.ndarray) -> np.ndarray:
        """The audio encoder on log-mel features computed elsewhere: (B, frames, mels)."""
        import torch

        x = torch.as_tensor(np.ascontiguousarray(feats, dtype=np.float32))
        return self._encode(x[:, None].to(self.device))

    def _encode(self, mel) -> np.ndarray:
        import torch

        longer = torch.zeros((mel.shape[0], 1), dtype=torch.bool, device=self.device)
        with torch.inference_mode():
            out = self.model.get_audio_features(input_features=mel.to(self.dtype),
                                                is_longer=longer)  # fmt: skip
        return normalise(_pooled(out).float().cpu().numpy())

    def embed_audio(self, windows: list[np.ndarray]) -> np.ndarray:
        """Windows of 48 kHz mono samples (at most 10 s each)."""
        return self.embed_features(self.logmel.batch(windows))

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
