"""LAION-CLAP through transformers' ClapModel: audio windows and text to vectors on a device."""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path

import numpy as np

from soundseek.embed.backends import (
    EXPORT_VERSION,
    GateResult,
    OnnxAudio,
    PipelineId,
    TorchAudio,
    candidates,
    checkpoint_id,
    export_onnx,
    gate_windows,
    judge,
    linear_resize,
    load_verdicts,
    save_verdict,
)
from soundseek.embed.base import normalise
from soundseek.embed.features import FEATURE_VERSION, FeatureSpec, LogMel, TorchLogMel
from soundseek.errors import ModelInvalid

os.environ.setdefault("PYTORCH_ENABLE_MPS_FALLBACK", "1")

MIN_VOCAB = 100
log = logging.getLogger(__name__)


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
        self, model_dir: str | Path, model_id: str, device: str = "auto", threads: int = 0,
        backend: str = "auto", precision: str = "auto",
    ) -> None:  # fmt: skip
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
        self.dtype = torch.float32  # text and the reference; audio may run faster, gated
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
        self.folder = Path(model_dir)
        self._device_logmel: TorchLogMel | None = None
        if self.device == "mps":
            linear_resize(self.model.audio_model.audio_encoder)
        self.audio, self.gate = self._audio_backend(backend, precision, threads)
        self.pipeline = PipelineId(model_id, checkpoint_id(self.folder), FEATURE_VERSION,
                                   self.audio.backend, self.audio.precision)  # fmt: skip

    def _audio_backend(self, backend: str, precision: str, threads: int):
        """The fastest candidate that passes the fidelity gate; torch fp32 otherwise."""
        reference = TorchAudio(self.model, self.device, "fp32")
        stamp = checkpoint_id(self.folder)
        verdicts = load_verdicts(self.folder)
        expected = None
        for name, prec in candidates(self.device, backend, precision):
            if (name, prec) == ("torch", "fp32"):
                return reference, None
            key = f"{name}-{prec}:{self.device}:{stamp}:{EXPORT_VERSION}"
            try:
                runner = self._candidate(name, prec, threads, stamp)
                if key in verdicts:
                    result = GateResult(**verdicts[key])
                else:
                    mel = gate_windows(self.feature_spec)
                    expected = reference.embed_mel(mel) if expected is None else expected
                    result = judge(expected, runner.embed_mel(mel), prec)
                    save_verdict(self.folder, key, result)
            except Exception as exc:  # an exporter or runtime that fails is just not used
                log.warning("%s %s unavailable: %s", name, prec, exc)
                continue
            if result.passed:
                return runner, result
            log.warning("%s %s failed the fidelity gate: %s", name, prec, result)
        return reference, None

    def _candidate(self, name: str, precision: str, threads: int, stamp: str):
        if name == "onnxruntime":
            path = export_onnx(self.model, self.folder, stamp, int8=precision == "int8")
            return OnnxAudio(path, threads, precision)
        return TorchAudio(copy.deepcopy(self.model), self.device, precision)

    def export_text(self) -> bool:
        """Make (once) and gate the torch-free text encoder the shell uses (embed.textonnx)."""
        from soundseek.embed.textonnx import ensure_text_export

        return ensure_text_export(self.model, self.processor, self.folder,
                                  checkpoint_id(self.folder))  # fmt: skip

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
        return self.audio.embed_mel(np.ascontiguousarray(feats, dtype=np.float32))

    def embed_audio(self, windows: list[np.ndarray]) -> np.ndarray:
        """Windows of 48 kHz mono samples (at most 10 s each); on a GPU the features are
        computed there, in the batch."""
        if self.device == "cpu":
            return self.embed_features(self.logmel.batch(windows))
        if self._device_logmel is None:
            self._device_logmel = TorchLogMel(self.feature_spec, self.device)
        return self.audio.embed_mel(self._device_logmel.batch(windows))

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
