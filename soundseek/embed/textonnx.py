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

from soundseek.embed.base import normalise

log = logging.getLogger(__name__)

TEXT_EXPORT_VERSION = "t1"
CACHE_DIR = ".soundseek"
MAX_TOKENS = 77  # what the torch path truncates to (ClapEmbedder.embed_text)
MIN_COSINE = 0.9999
GATE_TEXTS = (
    "door creak", "distant thunder rolling", "a dog barking twice", "the sound of rain",
    "metal impact sound effect", "a recording of footsteps on gravel", "whoosh", "sci-fi laser",
    "glass break", "engine idle rumble low", "birds chirping in a forest at dawn", "ui click",
)  # fmt: skip


def export_path(folder: Path, stamp: str) -> Path:
    return folder / CACHE_DIR / f"text-{stamp}-{TEXT_EXPORT_VERSION}.onnx"


def _verdict_path(folder: Path) -> Path:
    return folder / CACHE_DIR / "text-gate.json"


def passed(folder: Path, stamp: str) -> bool:
    """Whether this checkpoint's text export exists and passed its gate."""
    try:
        verdict = json.loads(_verdict_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    ok = verdict.get("key") == f"{stamp}:{TEXT_EXPORT_VERSION}" and verdict.get("passed")
    return bool(ok) and export_path(folder, stamp).exists()


def ensure_text_export(model, processor, folder: Path, stamp: str) -> bool:
    """Export and gate the text tower unless done; True when the ONNX path may be used."""
    if passed(folder, stamp):
        return True
    target = export_path(folder, stamp)
    target.parent.mkdir(parents=True, exist_ok=True)
    _export(model, target)
    for old in target.parent.glob("text-*.onnx"):
        if old != target:
            old.unlink(missing_ok=True)
    expected, ids = _torch_reference(model, processor)
    encoder = OnnxText(folder, stamp)
    same_ids = [encoder.token_ids(t) for t in GATE_TEXTS] == ids
    cos = (encoder.embed_text(list(GATE_TEXTS)) * expected).sum(axis=1)
    ok = bool(same_ids and cos.min() >= MIN_COSINE)
    verdict = {"key": f"{stamp}:{TEXT_EXPORT_VERSION}", "same_tokens": same_ids,
               "worst_cos": float(cos.min()), "passed": ok}  # fmt: skip
    tmp = _verdict_path(folder).with_suffix(".tmp")
    tmp.write_text(json.dumps(verdict, indent=1), encoding="utf-8")
    os.replace(tmp, _verdict_path(folder))
    if not verdict["passed"]:
        log.warning("the ONNX text encoder failed its gate: %s", verdict)
    return verdict["passed"]


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

    def __init__(self, folder: Path, stamp: str, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        pad = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_padding(pad_id=1 if pad is None else pad, pad_token="<pad>")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(export_path(folder, stamp)), opts,
                                            providers=["CPUExecutionProvider"])  # fmt: skip

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
