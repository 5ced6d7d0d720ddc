"""What int8 does to rankings: a library's windows embedded through torch fp32 (the
reference), ONNX Runtime fp32 and ONNX Runtime int8, then, for a fixed set of text queries
(the judged queries of quality_queries.json and the gate's own), how much of each query's
top 10 the candidate keeps; beside it, the gate's judgement of the first 48 library windows.
This is how the gate's thresholds were checked against what ranking needs (issue 24).

  .venv/bin/python -m benchmarks.bench_int8 --model /tmp/d24/full --library /tmp/real300

Writes bench-out/int8-<model folder name>.json.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from soundseek.audio.decode import iter_windows
from soundseek.embed.backends import (
    GATE_QUERIES,
    OnnxAudio,
    TorchAudio,
    export_onnx,
    judge,
    top10_overlap,
)
from soundseek.embed.clap import ClapEmbedder
from soundseek.files.scanner import is_audio


def library_mels(emb: ClapEmbedder, library: Path, limit: int) -> np.ndarray:
    """The log-mel features of the library's windows, in path order (unreadable files skipped)."""
    feats = []
    for path in sorted(p for p in library.rglob("*") if p.is_file() and is_audio(p.name)):
        try:
            feats += [emb.logmel(w.samples) for w in iter_windows(str(path))]
        except Exception:  # a hostile file is not what this measures
            continue
        if len(feats) >= limit:
            break
    return np.stack(feats[:limit])


def queries(emb: ClapEmbedder) -> np.ndarray:
    judged = json.loads(Path(__file__).with_name("quality_queries.json").read_text())
    texts = [q["q"] for q in judged["queries"]] + list(GATE_QUERIES)
    return emb._torch_text(texts)


def embed(runner, mel: np.ndarray, batch: int = 16) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    vecs = np.concatenate([runner.embed_mel(mel[i : i + batch]) for i in range(0, len(mel), batch)])
    return vecs, time.perf_counter() - t


def compare(reference: np.ndarray, vecs: np.ndarray, text: np.ndarray, seconds: float) -> dict:
    cos = (reference * vecs).sum(axis=1)
    per_query = [top10_overlap(text[i : i + 1] @ reference.T, text[i : i + 1] @ vecs.T)
                 for i in range(len(text))]  # fmt: skip
    return {"windows_per_s": len(vecs) / seconds, "mean_cos": float(cos.mean()),
            "worst_cos": float(cos.min()), "query_top10_mean": float(np.mean(per_query)),
            "query_top10_worst": float(np.min(per_query))}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--library", type=Path, required=True)
    ap.add_argument("--windows", type=int, default=400)
    args = ap.parse_args()
    emb = ClapEmbedder(args.model, args.model.name, "cpu", backend="torch")
    mel, text = library_mels(emb, args.library, args.windows), queries(emb)
    reference, seconds = embed(TorchAudio(emb.model, "cpu"), mel)
    result = {"model": str(args.model), "windows": len(mel), "queries": len(text),
              "torch-fp32": {"windows_per_s": len(mel) / seconds}}  # fmt: skip
    for precision in ("fp32", "int8"):
        path = export_onnx(emb.model, args.model, emb.stamp, int8=precision == "int8")
        vecs, seconds = embed(OnnxAudio(path, 0, precision), mel)
        result[f"onnx-{precision}"] = compare(reference, vecs, text, seconds)
        gate = judge(reference[:48], vecs[:48], precision, text[: len(GATE_QUERIES)])
        result[f"onnx-{precision}"]["judged_on_library"] = asdict(gate)
        print(precision, json.dumps(result[f"onnx-{precision}"]), flush=True)
    print(json.dumps(result, indent=2))
    Path("bench-out").mkdir(exist_ok=True)
    Path("bench-out", f"int8-{args.model.name}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
