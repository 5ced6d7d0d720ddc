"""CLAP's text tower without torch: an ONNX export run by ONNX Runtime, tokenized by the
model's own `tokenizer.json` (the `tokenizers` library, which transformers' fast tokenizer
wraps). Importing torch and transformers costs a shell ~5 s before the first query; this
path costs ~0.3 s, so `soundseek search` can answer at once with a model too.

The export is made once per checkpoint, beside the model (`.soundseek/`), and admitted only
through a gate like the audio backends': for a fixed set of queries the token ids must equal
transformers' and the vectors must match torch's (cosine >= 0.9999). A model without a
passing export is used through torch as before.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from soundseek.embed.base import MODEL_CACHE, normalise

log = logging.getLogger(__name__)

TEXT_EXPORT_VERSION = "t2"  # t2: graph optimised once at export; int8 when it passes
CACHE_DIR = MODEL_CACHE
MAX_TOKENS = 77  # what the torch path truncates to (ClapEmbedder.embed_text)
# Worst cosine to torch's vectors over GATE_TEXTS. int8 weights halve what a shell reads
# before its first query (the text tower is ~500 MB in fp32); tried first, kept only if
# its query vectors are this close.
MIN_COSINE = {"int8": 0.999, "fp32": 0.9999}
GATE_TEXTS = (
    "door creak", "distant thunder rolling", "a dog barking twice", "the sound of rain",
    "metal impact sound effect", "a recording of footsteps on gravel", "whoosh", "sci-fi laser",
    "glass break", "engine idle rumble low", "birds chirping in a forest at dawn", "ui click",
)  # fmt: skip


def export_path(folder: Path, stamp: str, precision: str) -> Path:
    """The graph-optimised export a shell loads (optimising at load costs ~1 s)."""
    return folder / CACHE_DIR / f"text-{stamp}-{TEXT_EXPORT_VERSION}-{precision}.onnx"


def _verdict_path(folder: Path) -> Path:
    return folder / CACHE_DIR / "text-gate.json"


def chosen(folder: Path, stamp: str) -> Path | None:
    """This checkpoint's gated text export, or None (none made, or none passed)."""
    try:
        verdict = json.loads(_verdict_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if verdict.get("key") != f"{stamp}:{TEXT_EXPORT_VERSION}" or not verdict.get("passed"):
        return None
    path = export_path(folder, stamp, verdict["precision"])
    return path if path.exists() else None


def judged(folder: Path, stamp: str) -> bool:
    """Whether this checkpoint's text export was made and gated (passed or not): a failed
    gate is not tried again on every run."""
    try:
        verdict = json.loads(_verdict_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return verdict.get("key") == f"{stamp}:{TEXT_EXPORT_VERSION}" and (
        not verdict.get("passed") or chosen(folder, stamp) is not None
    )


def passed(folder: Path, stamp: str) -> bool:
    return chosen(folder, stamp) is not None


def ensure_text_export(model, processor, folder: Path, stamp: str) -> bool:
    """Export, optimise and gate the text tower unless done (int8 first, then fp32); True
    when the ONNX path may be used."""
    if passed(folder, stamp):
        return True
    cache = folder / CACHE_DIR
    cache.mkdir(parents=True, exist_ok=True)
    for old in [*cache.glob("text-*.onnx"), *cache.glob("text-*.data")]:
        old.unlink(missing_ok=True)
    raw = cache / f"text-{stamp}-raw.onnx"
    _export(model, raw)
    expected, ids = _torch_reference(model, processor)
    verdict: dict = {"key": f"{stamp}:{TEXT_EXPORT_VERSION}", "passed": False, "tried": {}}
    try:
        for precision in ("int8", "fp32"):
            path = _optimised(raw, export_path(folder, stamp, precision), precision)
            encoder = OnnxText(folder, stamp, path=path)
            same_ids = [encoder.token_ids(t) for t in GATE_TEXTS] == ids
            worst = float((encoder.embed_text(list(GATE_TEXTS)) * expected).sum(axis=1).min())
            verdict["tried"][precision] = {"same_tokens": same_ids, "worst_cos": worst}
            if same_ids and worst >= MIN_COSINE[precision]:
                verdict.update(passed=True, precision=precision)
                break
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".data").unlink(missing_ok=True)
    finally:
        raw.unlink(missing_ok=True)
    tmp = _verdict_path(folder).with_suffix(".tmp")
    tmp.write_text(json.dumps(verdict, indent=1), encoding="utf-8")
    os.replace(tmp, _verdict_path(folder))
    if not verdict["passed"]:
        log.warning("the ONNX text encoder failed its gate: %s", verdict)
    return verdict["passed"]


def _optimised(raw: Path, target: Path, precision: str) -> Path:
    """Quantise (int8: MatMul/Gemm weights) and save the optimised graph (portable level)."""
    import onnxruntime as ort

    source = raw
    if precision == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        source = target.with_suffix(".q.tmp")
        quantize_dynamic(str(raw), str(source), op_types_to_quantize=["MatMul", "Gemm"],
                         weight_type=QuantType.QInt8)  # fmt: skip
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    tmp = target.with_suffix(".tmp")
    opts.optimized_model_filepath = str(tmp)
    ort.InferenceSession(str(source), opts, providers=["CPUExecutionProvider"])
    if source != raw:
        source.unlink(missing_ok=True)
    _weights_apart(tmp, target)
    tmp.unlink(missing_ok=True)
    return target


def _weights_apart(source: Path, target: Path) -> None:
    """The graph with its weights in a file beside it, which ONNX Runtime maps instead of
    parsing: a session opens in ~0.1 s instead of ~0.7 s (int8 text tower, measured here)."""
    import onnx

    data = target.with_name(target.name + ".data")
    for path in (target, data):
        path.unlink(missing_ok=True)
    onnx.save_model(
        onnx.load(str(source)), str(target), save_as_external_data=True,
        all_tensors_to_one_file=True, location=data.name, size_threshold=1024,
    )  # fmt: skip


def _torch_reference(model, processor) -> tuple[np.ndarray, list[list[int]]]:
    import torch

    ids = [processor.tokenizer(t, truncation=True, max_length=MAX_TOKENS)["input_ids"]
           for t in GATE_TEXTS]  # fmt: skip
    tokens = processor.tokenizer(list(GATE_TEXTS), padding=True, truncation=True,
                                 max_length=MAX_TOKENS, return_tensors="pt")  # fmt: skip
    with torch.inference_mode():
        out = model.float().cpu().get_text_features(**tokens)
    return normalise(getattr(out, "pooler_output", out).numpy()), ids


def _export(model, target: Path) -> None:
    import copy
    import warnings

    import torch

    class TextTower(torch.nn.Module):
        def __init__(self, clap) -> None:
            super().__init__()
            self.clap = clap

        def forward(self, input_ids, attention_mask):
            out = self.clap.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
            return getattr(out, "pooler_output", out)

    tower = TextTower(copy.deepcopy(model).float().cpu()).eval()
    example = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long))
    tmp = target.with_suffix(".tmp")
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(tower, example, str(tmp), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"], output_names=["vec"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "vec": {0: "batch"}})  # fmt: skip
    os.replace(tmp, target)


class OnnxText:
    """Text → unit vectors through the gated export (no torch, no transformers)."""

    def __init__(
        self, folder: Path, stamp: str, threads: int = 0, path: Path | None = None
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = path or chosen(folder, stamp)
        if path is None:
            raise FileNotFoundError(f"no gated text export for {folder}")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        pad = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_padding(pad_id=1 if pad is None else pad, pad_token="<pad>")
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # done
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def token_ids(self, text: str) -> list[int]:
        self.tokenizer.no_padding()
        try:
            return self.tokenizer.encode(text).ids
        finally:
            pad = self.tokenizer.token_to_id("<pad>")
            self.tokenizer.enable_padding(pad_id=1 if pad is None else pad, pad_token="<pad>")

    def embed_text(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        (vec,) = self.session.run(["vec"], {"input_ids": ids, "attention_mask": mask})
        return normalise(vec.astype(np.float32))
