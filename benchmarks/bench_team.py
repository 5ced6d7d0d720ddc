"""Team library: the Ray path against the local indexer, and search latency on object storage
against the same index on a local disk (a local moto S3 server on 127.0.0.1).

    .venv/bin/python -m benchmarks.bench_team --files 48 --arch unfused --windows 10000 100000

Indexing: one generated library (mixed lengths, rates, channels), a full-size CLAP
architecture with random weights (real compute); SoundSeek's local indexer (decoder
processes + batched model) against `cluster index` on a local Ray with this machine's CPUs,
into a local index and into S3; a warm-up run first so model loading is not timed twice.
Search: the same synthetic index (bench_search's) built locally and on S3; p50/p95 of the
hybrid search (words + sound) and of a words-only search, plus the first query (cold): on
disk, on S3 directly, and from the local copy readers keep (with its sync times).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_index import build_full_model, make_library
from benchmarks.bench_search import DIM, WORDS, RandomQueries, build, clustered, pct
from soundseek.app import App
from soundseek.app.cluster import ClusterOptions
from soundseek.index.places.objectstore import S3Location
from soundseek.index.places.place import MirroredPlace, S3Place
from soundseek.index.retrieval import Retrieval
from soundseek.index.store import Store
from soundseek.paths import app_paths
from soundseek.search.searcher import Searcher
from tests.s3server import moto_server, new_bucket


def _app(home: Path, model: Path, lib: Path, location: str = "", endpoint: str = "") -> App:
    app = App.open(app_paths(home).ensure())
    app.import_model(str(model), "bench")
    if location:
        app.set_location(location, endpoint)
    app.add_root(str(lib))
    app.load_model()
    return app


def _timed(run, files: int) -> dict:
    """The whole run; the embedding stage from its first progress event (the cluster's
    includes starting Ray and its actors) to its last; and the steady rate from the first
    commit on (startup excluded)."""
    t = time.perf_counter()
    first = last = None
    commit: tuple[float, int] | None = None
    done = 0
    for p in run:
        if p.phase == "embed":
            now = time.perf_counter()
            first, last, done = first or now, now, p.files_done
            if commit is None and p.files_done:
                commit = (now, p.files_done)
    stage = (last - first) if first else 0.0
    steady = (done - commit[1]) / (last - commit[0]) if commit and last > commit[0] else 0.0
    rate = files / stage if stage else 0.0
    return {"run_s": time.perf_counter() - t, "embed_stage_s": stage, "files_per_s": rate,
            "steady_files_per_s": steady}  # fmt: skip


def _seed_captions(source: App, target: App) -> None:
    """The UCS caption vectors are the same for every library of a model: computed once
    (minutes for a full-size text tower on two cores), copied to the other runs' caches."""
    src = source.place.cache_dir
    if src.is_dir():
        shutil.copytree(src, target.place.cache_dir, dirs_exist_ok=True)


def indexing(tmp: Path, files: int, arch: str, endpoint: str) -> dict:
    lib = tmp / "lib"
    lib.mkdir()
    audio_s = make_library(lib, files)
    model = build_full_model(tmp / "model", arch)
    out = {"files": files, "audio_seconds": audio_s, "arch": arch, "cpus": os.cpu_count()}
    local = _app(tmp / "h-local", model, lib)
    model = local.paths.models_dir / "bench"  # with its ONNX export and gate verdict
    out["local"] = _timed(local.index(), files)
    opts = ClusterOptions(local_cpus=os.cpu_count())
    homes = {"ray_local": ("", ""), "ray_s3": (f"s3://{new_bucket(endpoint)}/team", endpoint),
             "local_again": ("", "")}  # fmt: skip
    for name, (uri, ep) in homes.items():
        app = _app(tmp / f"h-{name}", model, lib, uri, ep)
        _seed_captions(local, app)
        out[name] = _timed(app.index() if name == "local_again" else app.cluster_index(opts),
                           files)  # fmt: skip
    best_local = min(out["local"]["embed_stage_s"], out["local_again"]["embed_stage_s"])
    out["ray_local_vs_local"] = best_local / out["ray_local"]["embed_stage_s"]
    out["ray_s3_vs_local"] = best_local / out["ray_s3"]["embed_stage_s"]
    return out


def _latencies(where, vecs_q: np.ndarray) -> dict:
    searcher = Searcher(Retrieval(Store(where)), RandomQueries(vecs_q), captions=False)
    t = time.perf_counter()
    searcher.search(f"{WORDS[0]} sound", limit=50)
    cold = time.perf_counter() - t
    hybrid, words = [], []
    for i in range(len(vecs_q)):
        searcher.embedder.i = i
        t = time.perf_counter()
        searcher.search(f"{WORDS[i % len(WORDS)]} sound", limit=50)
        hybrid.append(time.perf_counter() - t)
        t = time.perf_counter()
        searcher.search(f'"{WORDS[(i + 3) % len(WORDS)]}"', limit=50)  # words only
        words.append(time.perf_counter() - t)
    return {"cold_ms": cold * 1000, "hybrid_ms": {"p50": pct(hybrid, 50), "p95": pct(hybrid, 95)},
            "words_ms": {"p50": pct(words, 50), "p95": pct(words, 95)}}  # fmt: skip


def search(tmp: Path, n: int, queries: int, endpoint: str) -> dict:
    rng = np.random.default_rng(n)
    centres = rng.standard_normal((256, DIM))
    vecs = clustered(n, rng, centres)
    q = clustered(queries, rng, centres)
    s3 = S3Place(S3Location.parse(f"s3://{new_bucket(endpoint)}/team", endpoint=endpoint),
                 cache=tmp / f"cache{n}")  # fmt: skip
    build_local = build(tmp / f"local{n}", n, vecs, np.random.default_rng(1))
    build_s3 = build(s3, n, vecs, np.random.default_rng(1))
    copy = MirroredPlace(s3, tmp / f"mirror{n}")
    first, again = copy.mirror.sync(), copy.mirror.sync()
    return {"windows": n, "build_local_s": build_local, "build_s3_s": build_s3,
            "local": _latencies(tmp / f"local{n}", q), "s3": _latencies(s3, q),
            "s3_local_copy": _latencies(copy, q),
            "copy_first_sync": {"s": first.seconds, "files": first.fetched,
                                "mb": first.fetched_bytes / 1e6},
            "copy_sync_unchanged_s": again.seconds}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=48)
    ap.add_argument("--arch", choices=["unfused", "larger", "tiny"], default="unfused")
    ap.add_argument("--windows", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--skip-indexing", action="store_true")
    args = ap.parse_args()
    result: dict = {}
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_indexing:
            result["indexing"] = indexing(tmp, args.files, args.arch, endpoint)
            print(json.dumps(result["indexing"], indent=2), flush=True)
        result["search"] = []
        for n in args.windows:
            result["search"].append(search(tmp, n, args.queries, endpoint))
            print(json.dumps(result["search"][-1], indent=2), flush=True)
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "team.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
