"""Indexing throughput against another checkout's pipeline (`--vs`, e.g. the first release
in a git worktree), on the same files, in the same run, `--repeat` times alternating (medians
reported: short runs are noisy).

Without `--model`, the ceiling: a model that costs nothing, so only decoding, features,
batching and commits are timed. With `--model DIR` (e.g. the full-size architecture with
random weights that `bench_index` builds, or a tiny one: pipeline-bound), end to end: both
pipelines run that model on the CPU; this one with its chosen audio backend and precision.
`--workers auto` is the product's default (cores - 1 decoders, more while the model waits).

The timed part is the index run itself, from a new home, model loaded. The one-off costs are
reported apart: loading the model (its exports cached) and, with `--first-use`, preparing it
from a fresh copy of the folder (ONNX exports, int8 quantisation, fidelity gates, text export).

  .venv/bin/python -m benchmarks.bench_pipeline --library DIR --workers auto 1 2 --vs /tmp/prev
  .venv/bin/python -m benchmarks.bench_pipeline --library DIR --model M --vs /tmp/prev --repeat 3
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


def load(model: Path | None, backend: str, precision: str, threads: int = 0):
    """The embedder, and how long loading it took (its exports already made). `threads`: the
    ONNX Runtime sessions (0: one per core, single-threaded each)."""
    import soundseek.index.store  # noqa: F401  LanceDB: imported before timing, as --vs does
    from soundseek.embed.clap import ClapEmbedder

    t = time.perf_counter()
    if model is None:
        return InstantEncoder(), time.perf_counter() - t
    emb = ClapEmbedder(model, "bench", "cpu", threads, backend=backend, precision=precision)
    emb.export_text()
    return emb, time.perf_counter() - t


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the decoders)."""
    import resource

    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def captions(emb) -> float:
    """Encode (or read) the model's UCS caption vectors, as its first index run does."""
    from soundseek.classify.zero_shot import caption_vectors
    from soundseek.embed.base import text_vector_folder
    from soundseek.metadata.ucs import load_catalog

    t = time.perf_counter()
    caption_vectors(load_catalog(), emb.pipeline.space, emb.embed_text, [text_vector_folder(emb)])
    return time.perf_counter() - t


def run_this(library: Path, workers: str, emb) -> dict:
    from soundseek.app import App
    from soundseek.paths import app_paths

    with tempfile.TemporaryDirectory() as home:
        app = App.open(app_paths(home))
        app.roots.add_root(str(library))
        app.models.embedder = emb
        t, cpu = time.perf_counter(), cpu_seconds()
        last = None
        for p in app.index(workers=None if workers == "auto" else int(workers), batch_size=16):
            last = p
        seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
        windows = app.library().store.windows.count()
        files = app.status().indexed
    return {"workers": workers, "seconds": seconds, "windows": windows, "files": files,
            "windows_per_s": windows / seconds, "files_per_s": files / seconds,
            "cores_busy": cpu / seconds,
            "phase": last.phase if last else None,
            "runtime": emb.pipeline.runtime if hasattr(emb, "pipeline") else "instant",
            "gate": str(getattr(emb, "gate", None))}  # fmt: skip


def first_use(model: Path, backend: str, precision: str) -> dict:
    """A fresh copy of the model folder prepared as a new user's first index run does (the
    exports and gates), then the UCS caption vectors its first index run encodes (once per
    model: suggestions and the confidence null)."""
    import shutil

    from soundseek.classify.zero_shot import caption_vectors
    from soundseek.embed.base import text_vector_folder
    from soundseek.embed.clap import ClapEmbedder
    from soundseek.metadata.ucs import load_catalog

    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / model.name
        shutil.copytree(model, fresh, ignore=shutil.ignore_patterns(".soundseek"))
        steps: dict[str, float] = {}
        t = time.perf_counter()

        def heard(step) -> None:
            steps[f"{step.what or 'done'}@{len(steps)}"] = round(time.perf_counter() - t, 1)

        emb = ClapEmbedder(fresh, "bench", "cpu", backend=backend, precision=precision,
                           on_step=heard)  # fmt: skip
        emb.export_text(heard)
        prepared = time.perf_counter() - t
        t = time.perf_counter()
        caption_vectors(load_catalog(), emb.pipeline.space, emb.embed_text,
                        [text_vector_folder(emb)])  # fmt: skip
        return {"seconds": prepared, "steps": steps, "runtime": emb.pipeline.runtime,
                "gate": str(emb.gate),
                "caption_vectors_seconds": time.perf_counter() - t}  # fmt: skip


PREVIOUS = """
import json, resource, sys, tempfile, time
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
def cpu():
    both = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    return sum(r.ru_utime + r.ru_stime for r in both)

with tempfile.TemporaryDirectory() as home:
    with Store(home, writable=True) as store:
        t, c = time.perf_counter(), cpu()
        for _ in run_index(store, IndexOptions([sys.argv[1]], batch_size=16), model):
            pass
        seconds, c = time.perf_counter() - t, cpu() - c
        windows = store.count("windows")
        files = store.count(where="status = 'indexed'")
print(json.dumps({"seconds": seconds, "windows": windows, "files": files, "cores_busy": c / seconds,
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
    ap.add_argument("--workers", nargs="+", default=["auto"], help="auto or counts")
    ap.add_argument("--vs", type=Path, help="a checkout of the previous release")
    ap.add_argument("--model", type=Path, help="a model folder: end to end instead of ceiling")
    ap.add_argument("--backend", default="auto", help="this pipeline's audio backend")
    ap.add_argument("--precision", nargs="+", default=["auto"], help="e.g. auto fp32")
    ap.add_argument("--threads", type=int, nargs="+", default=[0],
                    help="model threads = ONNX sessions (0: one per core)")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--first-use", action="store_true", help="time preparing a fresh copy")
    ap.add_argument("--out", default=None, help="file name under bench-out/")
    args = ap.parse_args()
    result: dict = {"library": str(args.library), "cores": os.cpu_count(), "this": {},
                    "model": str(args.model) if args.model else "instant",
                    "previous": []}  # fmt: skip
    if args.model and args.first_use:
        result["first_use"] = first_use(args.model, args.backend, args.precision[0])
        print(json.dumps({"first_use": result["first_use"]}), flush=True)
    embedders = {}
    for precision in args.precision if args.model else ["auto"]:
        for threads in args.threads:
            key = f"{precision}/t{threads}"
            embedders[key], seconds = load(args.model, args.backend, precision, threads)
            result.setdefault("load_seconds", {})[key] = seconds
            if args.model:  # once per model, not part of an index run's cost once made
                result.setdefault("caption_vectors_seconds", {})[key] = captions(embedders[key])
    for _ in range(args.repeat):
        for precision, emb in embedders.items():
            for w in args.workers:
                run = run_this(args.library, w, emb)
                result["this"].setdefault(f"{precision}/{w}", []).append(run)
                print(json.dumps(run), flush=True)
        if args.vs:
            result["previous"].append(run_previous(args.library, args.vs, args.model))
            print(json.dumps({"previous": result["previous"][-1]}), flush=True)
    summarise(result)
    print(json.dumps(result, indent=2))
    Path("bench-out").mkdir(exist_ok=True)
    name = args.out or ("pipeline.json" if args.model is None else "pipeline-model.json")
    Path("bench-out", name).write_text(json.dumps(result, indent=2))


def summarise(result: dict) -> None:
    """Median windows/s per configuration, and each one's ratio to the previous release."""
    median = {k: float(np.median([r["windows_per_s"] for r in runs]))
              for k, runs in result["this"].items()}  # fmt: skip
    result["median_windows_per_s"] = median
    if result["previous"]:
        prev = float(np.median([r["windows_per_s"] for r in result["previous"]]))
        result["previous_median_windows_per_s"] = prev
        result["ratio_vs_previous"] = {k: v / prev for k, v in median.items()}


if __name__ == "__main__":
    main()
