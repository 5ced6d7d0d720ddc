"""Indexing throughput against another checkout's pipeline (`--vs`, e.g. the previous release
in a git worktree), on the same files, in the same run.

Without `--model`, the ceiling: a model that costs nothing, so only decoding, features,
batching and commits are timed, with decoder processes 1..N. With `--model DIR` (e.g. the
full-size architecture with random weights that `bench_index` builds), end to end: both
pipelines run that model on the CPU; this one with its chosen audio backend (`--backend`).

  .venv/bin/python -m benchmarks.bench_pipeline --library DIR --workers 1 2 --vs /tmp/prev
  .venv/bin/python -m benchmarks.bench_pipeline --library DIR --workers 1 --model M --vs /tmp/prev
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 512


class InstantEncoder:
    """The real feature front end, a model that answers at once (random unit vectors)."""

    model_id, dim, device = "instant", DIM, "cpu"

    def __init__(self) -> None:
        from transformers import ClapFeatureExtractor

        from soundseek.embed.features import FeatureSpec, LogMel

        self.feature_spec = FeatureSpec.from_extractor(ClapFeatureExtractor())
        self.logmel = LogMel(self.feature_spec)
        self.rng = np.random.default_rng(0)

    def embed_features(self, feats: np.ndarray) -> np.ndarray:
        v = self.rng.standard_normal((len(feats), DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_audio(self, windows) -> np.ndarray:
        return self.embed_features(self.logmel.batch(windows))

    def embed_text(self, texts) -> np.ndarray:
        return self.embed_features(np.zeros((len(texts), 1)))


def run_this(library: Path, workers: int, model: Path | None = None, backend: str = "auto",
             precision: str = "auto") -> dict:  # fmt: skip
    from soundseek.app import App
    from soundseek.embed.clap import ClapEmbedder
    from soundseek.paths import app_paths

    with tempfile.TemporaryDirectory() as home:
        app = App.open(app_paths(home))
        app.add_root(str(library))
        if model is None:
            app.embedder = InstantEncoder()
        else:
            app.embedder = ClapEmbedder(model, "bench", "cpu", backend=backend, precision=precision)
        t = time.perf_counter()
        last = None
        for p in app.index(workers=workers, batch_size=16):
            last = p
        seconds = time.perf_counter() - t
        windows = app.library().store.windows.count()
        files = app.status().indexed
    return {"workers": workers, "seconds": seconds, "windows": windows, "files": files,
            "windows_per_s": windows / seconds, "files_per_s": files / seconds,
            "phase": last.phase if last else None,
            "runtime": app.embedder.pipeline.runtime if model else "instant",
            "gate": str(getattr(app.embedder, "gate", None))}  # fmt: skip


PREVIOUS = """
import json, sys, tempfile, time
import numpy as np
from transformers import ClapFeatureExtractor
from soundseek.core.indexer import IndexOptions, run_index
from soundseek.core.store import Store

class Instant:
    model_id, dim, device = "instant", 512, "cpu"
    def __init__(self):
        self.fe = ClapFeatureExtractor(); self.rng = np.random.default_rng(0)
    def features(self, windows):
        return dict(self.fe(windows, sampling_rate=48000, return_tensors="pt",
                            truncation="rand_trunc", padding="repeatpad"))
    def embed_features(self, feats):
        v = self.rng.standard_normal((len(feats), 512)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    def embed_audio(self, windows):
        return self.embed_features(windows)

if len(sys.argv) > 2:
    from soundseek.core.embedder import ClapEmbedder
    model = ClapEmbedder(sys.argv[2], "bench", "cpu")
else:
    model = Instant()
with tempfile.TemporaryDirectory() as home:
    with Store(home, writable=True) as store:
        t = time.perf_counter()
        for _ in run_index(store, IndexOptions([sys.argv[1]], batch_size=16), model):
            pass
        seconds = time.perf_counter() - t
        windows = store.count("windows")
        files = store.count(where="status = 'indexed'")
print(json.dumps({"seconds": seconds, "windows": windows, "files": files,
                  "windows_per_s": windows / seconds, "files_per_s": files / seconds}))
"""


def run_previous(library: Path, tree: Path, model: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [sys.executable, "-c", PREVIOUS, str(library)] + ([str(model)] if model else [])
    out = subprocess.run(argv, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", type=Path, required=True)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--vs", type=Path, help="a checkout of the previous release")
    ap.add_argument("--model", type=Path, help="a model folder: end to end instead of ceiling")
    ap.add_argument("--backend", default="auto", help="this pipeline's audio backend")
    ap.add_argument("--precision", nargs="+", default=["auto"], help="e.g. auto int8")
    args = ap.parse_args()
    result: dict = {"library": str(args.library), "cores": os.cpu_count(), "this": [],
                    "model": str(args.model) if args.model else "instant"}  # fmt: skip
    for precision in args.precision if args.model else ["auto"]:
        for w in args.workers:
            result["this"].append(run_this(args.library, w, args.model, args.backend, precision))
            print(json.dumps(result["this"][-1]), flush=True)
    if args.vs:
        result["previous"] = run_previous(args.library, args.vs, args.model)
        print(json.dumps({"previous": result["previous"]}), flush=True)
        best = max(r["windows_per_s"] for r in result["this"])
        result["ratio_best_vs_previous"] = best / result["previous"]["windows_per_s"]
    print(json.dumps(result, indent=2))
    Path("bench-out").mkdir(exist_ok=True)
    name = "pipeline.json" if args.model is None else "pipeline-model.json"
    Path("bench-out", name).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
