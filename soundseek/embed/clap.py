"""LAION-CLAP through transformers' ClapModel: audio windows and text to vectors on a device."""

from __future__ import annotations

import copy
import gc
import logging
import os
from pathlib import Path

import numpy as np

from soundseek.embed.backends import (
    EXPORT_VERSION,
    GATE_QUERIES,
    GATE_VERSION,
    GateResult,
    OnnxAudio,
    PipelineId,
    TorchAudio,
    candidates,
    checkpoint_id,
    export_onnx,
    export_path,
    gate_windows,
    judge,
    linear_resize,
    load_verdicts,
    save_verdict,
)
from soundseek.embed.base import OnStep, Steps, normalise
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
    """LAION-CLAP through transformers' ClapModel, loaded from a local folder only.

    The torch weights are read only when a path needs them: on the CPU, text goes through
    the gated ONNX text export (embed.textonnx) and audio through a gated ONNX export once
    their verdicts are cached beside the model. A larger_clap-sized model in a process that
    searches: 0.45 GB resident (int8 text tower) instead of 0.8 GB with torch's text tower
    and 1.1 GB once its audio tower has run (safetensors are mapped, so most of that is
    file pages; benchmarks/bench_search.py --model measures it with a library)."""

    def __init__(
        self, model_dir: str | Path, model_id: str, device: str = "auto", threads: int = 0,
        backend: str = "auto", precision: str = "auto", on_step: OnStep | None = None,
    ) -> None:  # fmt: skip
        """`on_step` hears each one-time step (audio export, gate) as it starts: a fresh
        full-size model spends minutes in them on a small CPU, once."""
        import torch
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.model_id = model_id
        self.device = resolve_device(device)
        self.threads = threads
        if self.device == "cpu" and threads:
            # torch's default (all physical cores) measured best for batched indexing;
            # benchmarks/bench_index.py compares thread counts.
            torch.set_num_threads(threads)
        self.dtype = torch.float32  # text and the reference; audio may run faster, gated
        self.folder = Path(model_dir)
        self.processor, self.config = _read_folder(self.folder)
        self.dim = int(self.config.projection_dim)
        self._model = None
        self._text = None
        self._check_tokenizer()
        self.feature_spec = FeatureSpec.from_extractor(self.processor.feature_extractor)
        self.logmel = LogMel(self.feature_spec)
        self._device_logmel: TorchLogMel | None = None
        self._reference: tuple | None = None  # the gate's torch fp32 vectors, while gating
        self.stamp = checkpoint_id(self.folder)
        steps = Steps(self._audio_steps(backend, precision), on_step)
        self.audio, self.gate = self._audio_backend(backend, precision, threads, steps)
        steps.finish()
        self._reference = None
        self.pipeline = PipelineId(model_id, self.stamp, FEATURE_VERSION,
                                   self.audio.backend, self.audio.precision)  # fmt: skip

    @property
    def model(self):
        """transformers' ClapModel on the device, read from disk when first asked."""
        if self._model is None:
            self._model = _load_weights(self.folder, self.device, self.dtype)
        return self._model

    @property
    def holds_weights(self) -> bool:
        """Whether the torch weights are in memory (the memory budget's test reads it)."""
        return self._model is not None

    def _gate_key(self, name: str, precision: str) -> str:
        return f"{name}-{precision}:{self.device}:{self.stamp}:{EXPORT_VERSION}:{GATE_VERSION}"

    def _audio_steps(self, backend: str, precision: str) -> list[str]:
        """The one-time steps the audio encoder still needs here, at most (a candidate that
        passes spares the ones after it)."""
        verdicts, planned = load_verdicts(self.folder), []
        for name, prec in candidates(self.device, backend, precision)[:-1]:
            cached = verdicts.get(self._gate_key(name, prec))
            if cached is not None and cached.get("passed"):
                break
            if cached is not None:
                continue
            path = export_path(self.folder, self.stamp, int8=prec == "int8")
            exporting = name == "onnxruntime" and not path.exists()
            if exporting and "audio export" not in planned:  # int8 is made from the fp32 one
                planned.append("audio export")
            planned.append("gate")
        return planned

    def _audio_backend(self, backend: str, precision: str, threads: int, steps: Steps):
        """The fastest candidate that passes the fidelity gate; torch fp32 otherwise. A
        cached verdict decides without the torch weights; a failed one is not tried again."""
        verdicts = load_verdicts(self.folder)
        for name, prec in candidates(self.device, backend, precision):
            if (name, prec) == ("torch", "fp32"):
                return TorchAudio(self.model, self.device, "fp32"), None
            key = self._gate_key(name, prec)
            cached = verdicts.get(key)
            if cached is not None and not cached.get("passed"):
                continue
            try:
                runner = self._candidate(name, prec, threads, steps)
                if cached is not None:
                    result = GateResult(**cached)
                else:
                    steps.start("gate")
                    result = self._judge(runner, prec)
                    save_verdict(self.folder, key, result)
            except Exception as exc:  # an exporter or runtime that fails is just not used
                log.warning("%s %s unavailable: %s", name, prec, exc)
                continue
            if result.passed:
                return runner, result
            log.warning("%s %s failed the fidelity gate: %s", name, prec, result)
            if name == "onnxruntime":  # never used for this checkpoint: hundreds of MB
                export_path(self.folder, self.stamp, int8=prec == "int8").unlink(missing_ok=True)
        return TorchAudio(self.model, self.device, "fp32"), None

    def _judge(self, runner, precision: str) -> GateResult:
        """The candidate against torch fp32 on the gate's windows, and on how GATE_QUERIES
        rank them (the reference's vectors are made once for all candidates)."""
        if self._reference is None:
            mel = gate_windows(self.feature_spec)
            audio = TorchAudio(self.model, self.device, "fp32").embed_mel(mel)
            self._reference = (mel, audio, self._torch_text(list(GATE_QUERIES)))
        mel, audio, queries = self._reference
        return judge(audio, runner.embed_mel(mel), precision, queries)

    def _candidate(self, name: str, precision: str, threads: int, steps: Steps):
        if name == "onnxruntime":
            path = export_path(self.folder, self.stamp, int8=precision == "int8")
            if not path.exists():
                steps.start("audio export")
                path = export_onnx(self.model, self.folder, self.stamp, int8=precision == "int8")
            return OnnxAudio(path, threads, precision)
        return TorchAudio(copy.deepcopy(self.model), self.device, precision)

    def text_export_pending(self) -> bool:
        """Whether the text encoder's one-time export and gate are still to be made here (a
        verdict, passed or not, is made once per checkpoint)."""
        from soundseek.embed.textonnx import judged

        return not judged(self.folder, self.stamp)

    def export_text(self, on_step: OnStep | None = None) -> bool:
        """Make (once) and gate the torch-free text encoder the shell uses (embed.textonnx);
        afterwards the torch weights are let go when no path needs them any more."""
        from soundseek.embed.textonnx import ensure_text_export, passed

        if self.text_export_pending():
            steps = Steps(["text export"], on_step)
            steps.start("text export")
            ensure_text_export(self.model, self.processor, self.folder, self.stamp)
            steps.finish()
        self._release_weights()
        return passed(self.folder, self.stamp)

    def _release_weights(self) -> None:
        """Drop the torch weights when text and audio both run through ONNX Runtime."""
        torch_free = self._onnx_text() is not None and not isinstance(self.audio, TorchAudio)
        if self._model is not None and torch_free:
            self._model = None
            gc.collect()

    def _onnx_text(self):
        """The gated ONNX text encoder on the CPU (None: text goes through torch)."""
        if self._text is None and self.device == "cpu":
            from soundseek.embed.textonnx import OnnxText, chosen

            if chosen(self.folder, self.stamp) is not None:
                self._text = OnnxText(self.folder, self.stamp, self.threads)
        return self._text

    def _check_tokenizer(self) -> None:
        """Refuse the silent few-token tokenizer that makes every query embed the same."""
        tok = self.processor.tokenizer
        expected = self.config.text_config.vocab_size
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
        onnx = self._onnx_text()
        if onnx is not None:
            return onnx.embed_text(texts)
        return self._torch_text(texts)

    def _torch_text(self, texts: list[str]) -> np.ndarray:
        import torch

        tokens = self.processor.tokenizer(
            texts, padding=True, truncation=True, max_length=77, return_tensors="pt"
        )
        with torch.inference_mode():
            out = self.model.get_text_features(**{k: v.to(self.device) for k, v in tokens.items()})
        return normalise(_pooled(out).float().cpu().numpy())


def _read_folder(folder: Path):
    """The processor (tokenizer, feature extractor) and config: what every path needs, and
    a check that the weights file is a readable safetensors file, without reading it."""
    from safetensors import safe_open
    from transformers import ClapConfig, ClapProcessor

    try:
        processor = ClapProcessor.from_pretrained(str(folder), local_files_only=True)
        config = ClapConfig.from_pretrained(str(folder), local_files_only=True)
        with safe_open(str(folder / "model.safetensors"), framework="pt") as fh:
            fh.keys()
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelInvalid(f"{folder} is not a usable CLAP model folder: {exc}") from exc
    return processor, config


def _load_weights(folder: Path, device: str, dtype):
    """The torch model on its device (HTSAT's resize made a matrix on MPS)."""
    from transformers import ClapModel

    try:
        model = ClapModel.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelInvalid(f"{folder} is not a usable CLAP model folder: {exc}") from exc
    model = model.to(device, dtype=dtype).eval()
    if device == "mps":
        linear_resize(model.audio_model.audio_encoder)
    return model


def _pooled(out: object):
    """transformers 5 returns an output object (`pooler_output`); 4.x returned the tensor."""
    return getattr(out, "pooler_output", out)
