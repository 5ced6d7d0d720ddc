"""Search latency at 10k/100k/1M windows: ANN + fusion against brute-force numpy cosine."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from soundseek.files.roots import Root
from soundseek.index import retrieval as retrieval_module
from soundseek.index.filters import SEARCHABLE
from soundseek.index.records import FileRecord, FileStatus
from soundseek.index.retrieval import Retrieval
from soundseek.index.schema import FILES, records_to_arrow
from soundseek.index.store import Store
from soundseek.search.searcher import Searcher

WORDS = [
    "door",
    "creak",
    "wood",
    "metal",
    "slam",
    "thunder",
    "rain",
    "wind",
    "car",
    "engine",
    "dog",
    "bark",
    "glass",
    "break",
    "fire",
]
DIM = 512
WINDOWS_PER_FILE = 10


class RandomQueries:
    """Stands in for the text encoder so only the search itself is timed."""

    model_id, dim, device = "bench", DIM, "cpu"

    def __init__(self, queries: np.ndarray) -> None:
        self.queries, self.i = queries, 0

    def embed_text(self, texts):
        self.i += 1
        return self.queries[(self.i - 1) % len(self.queries)][None, :]

    def embed_audio(self, windows):
        raise AssertionError("not used")


def clustered(n: int, rng, centres: np.ndarray) -> np.ndarray:
    x = centres[rng.integers(0, len(centres), n)] + 0.5 * rng.standard_normal((n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def build(store_dir: Path, n_windows: int, vecs: np.ndarray, rng) -> float:
    n_files = n_windows // WINDOWS_PER_FILE
    t = time.perf_counter()
    with Store(store_dir, writable=True) as s:
        s.use_model("bench", DIM)
        s.roots.update(lambda _roots: [Root("bench", "/lib", "lib")])
        rows = [
            FileRecord("bench", f"f{i}.wav", status=FileStatus.INDEXED, content_hash=f"h{i}",
                       duration=100.0, samplerate=48000, channels=2, n_windows=WINDOWS_PER_FILE,
                       text=" ".join(rng.choice(WORDS, 3)))
            for i in range(n_files)
        ]  # fmt: skip
        for part in range(0, n_files, 50_000):
            s.table(FILES).add(records_to_arrow(rows[part : part + 50_000]))
        hashes = np.repeat([f"h{i}" for i in range(n_files)], WINDOWS_PER_FILE).tolist()
        idx = np.tile(np.arange(WINDOWS_PER_FILE), n_files).tolist()
        for a in range(0, n_windows, 200_000):
            b = min(n_windows, a + 200_000)
            s.add_windows(hashes[a:b], [0.0] * (b - a), [10.0] * (b - a), idx[a:b], vecs[a:b])
        s.maintain()
    return time.perf_counter() - t


def brute_force(vecs: np.ndarray, q: np.ndarray, k: int = 50) -> np.ndarray:
    """The simple way: cosine against every vector in RAM, best window per file, top k files."""
    sims = vecs @ q
    per_file = sims.reshape(-1, WINDOWS_PER_FILE).max(axis=1)
    top = np.argpartition(-per_file, k)[:k]
    return top[np.argsort(-per_file[top])]


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, p))


def run_size(n: int, n_queries: int) -> dict:
    rng = np.random.default_rng(n)
    centres = rng.standard_normal((256, DIM))
    vecs = clustered(n, rng, centres)
    queries = clustered(n_queries, rng, centres)
    with tempfile.TemporaryDirectory() as tmp:
        build_s = build(Path(tmp) / "index", n, vecs, rng)
        retrieval = Retrieval(Store(Path(tmp) / "index"))
        retrieval.words()  # the word index is built once, when a library opens: not timed
        searcher = Searcher(retrieval, RandomQueries(queries), captions=False)
        vec_lat, hyb_lat, bf_lat, recall = [], [], [], []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            sound = searcher._sound_matches(q[None, :], SEARCHABLE)
            vec_lat.append(time.perf_counter() - t)
            t = time.perf_counter()
            exact = brute_force(vecs, q)
            bf_lat.append(time.perf_counter() - t)
            got = sorted(sound, key=lambda h: -sound[h].sim)[:10]
            recall.append(len({f"h{j}" for j in exact[:10]} & set(got)) / 10)
            searcher.embedder.i = i
            t = time.perf_counter()
            searcher.search(f"{WORDS[i % len(WORDS)]} sound", limit=50)
            hyb_lat.append(time.perf_counter() - t)
    return {
        "windows": n, "build_s": build_s, "ann_recall_at_10": float(np.mean(recall)),
        "vector_ms": {"p50": pct(vec_lat, 50), "p95": pct(vec_lat, 95)},
        "hybrid_ms": {"p50": pct(hyb_lat, 50), "p95": pct(hyb_lat, 95)},
        "numpy_bruteforce_ms": {"p50": pct(bf_lat, 50), "p95": pct(bf_lat, 95)},
        "speedup_vector_vs_bruteforce_p50": pct(bf_lat, 50) / pct(vec_lat, 50),
    }  # fmt: skip


def sweep(n: int, n_queries: int) -> list[dict]:
    """Recall and latency of the ANN query for several nprobes x refine settings, one build."""
    rng = np.random.default_rng(n)
    centres = rng.standard_normal((256, DIM))
    vecs = clustered(n, rng, centres)
    queries = clustered(n_queries, rng, centres)
    exact = [{f"h{j}" for j in brute_force(vecs, q)[:10]} for q in queries]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp) / "index", n, vecs, rng)
        searcher = Searcher(Retrieval(Store(Path(tmp) / "index")), None)
        searcher.retrieval.matrix.max_windows = 0
        for nprobes, refine in ((16, 5), (32, 5), (32, 10), (64, 5), (64, 10), (64, 20), (128, 10)):
            retrieval_module.NPROBES, retrieval_module.REFINE_FACTOR = nprobes, refine
            lat, rec = [], []
            for q, ex in zip(queries, exact, strict=True):
                t = time.perf_counter()
                sound = searcher._sound_matches(q[None, :], SEARCHABLE)
                lat.append(time.perf_counter() - t)
                rec.append(len(ex & set(sorted(sound, key=lambda h: -sound[h].sim)[:10])) / 10)
            out.append({"nprobes": nprobes, "refine": refine, "recall_at_10": float(np.mean(rec)),
                        "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95)})  # fmt: skip
            print(json.dumps(out[-1]), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--sweep", type=int, metavar="N", help="sweep ANN settings at N windows")
    args = ap.parse_args()
    if args.sweep:
        sweep(args.sweep, args.queries)
        return
    results = []
    for n in args.sizes:
        r = run_size(n, args.queries)
        print(json.dumps(r), flush=True)
        results.append(r)
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
