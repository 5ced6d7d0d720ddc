"""Search at library scale: latency, recall, build and incremental add, memory.

For each size (windows, 10 per file): clustered 512-d unit vectors (256 clusters, windows
drawn independently: the data every earlier run of this benchmark used), file names of
three words from a 2,000-word Zipf vocabulary, durations of 1-300 s. The library is built
the way the indexer writes one (files, then windows in commits of 200k, then maintenance)
and searched in a fresh process, so its memory is the app's own:
  vector  the sound side alone (the query's best windows, best per file)
  hybrid  Searcher.search: words + sound fused, calibrated; every third query with a filter
recall@10 compares the vector side's top-10 files with exact cosine over every window.
Then 1,000 files (10,000 windows) are added: time until searchable (the commit), and the
maintenance after it. The simple way - numpy brute force over the vectors in RAM - is
timed in the same run. `--tree DIR` runs the same measurements against another checkout
(e.g. the previous commit in a git worktree) for a before/after table.

    python benchmarks/bench_search.py --sizes 100000 1000000 [--tree /tmp/prev]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 512
WINDOWS_PER_FILE = 10
VOCABULARY = 2000
ADD_FILES = 1000
BRUTE_QUERIES = 10  # the simple way is timed on the first queries (1-3 s each at 5M)
FILTERS = ["dur:<30s", "dur:>60s", "dur:<120s"]


def vocabulary() -> list[str]:
    """Pronounceable made-up words: the word index treats them as library words."""
    rng = np.random.default_rng(7)
    cons, vows = list("bcdfgklmnprstvz"), list("aeiou")
    words: set[str] = set()
    while len(words) < VOCABULARY:
        n = int(rng.integers(2, 4))
        words.add("".join(rng.choice(cons) + rng.choice(vows) for _ in range(n)))
    return sorted(words)


def zipf_words(rng, n: int, words: list[str]) -> np.ndarray:
    p = 1.0 / np.arange(1, len(words) + 1)
    return rng.choice(len(words), size=n, p=p / p.sum())


def clustered(out: np.ndarray, rng, centres: np.ndarray) -> np.ndarray:
    for a in range(0, len(out), 200_000):
        b = min(len(out), a + 200_000)
        x = centres[rng.integers(0, len(centres), b - a)] + 0.5 * rng.standard_normal((b - a, DIM))
        out[a:b] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


# -- building ---------------------------------------------------------------------------------
def file_rows(start: int, n: int, rng, words: list[str]) -> list:
    from soundseek.index.tables.records import FileRecord, FileStatus

    picks = zipf_words(rng, 3 * n, words).reshape(n, 3)
    durations = rng.uniform(1.0, 300.0, n)
    return [
        FileRecord("bench", f"f{start + i}.wav", status=FileStatus.INDEXED,
                   content_hash=f"h{start + i}", duration=float(durations[i]), samplerate=48000,
                   channels=2, n_windows=WINDOWS_PER_FILE,
                   text=" ".join(words[j] for j in picks[i]))
        for i in range(n)
    ]  # fmt: skip


def add_files(store, first_file: int, vecs: np.ndarray, rng, words: list[str]) -> None:
    """Files and their windows, as an index run commits them (word index included)."""
    n_files = len(vecs) // WINDOWS_PER_FILE
    for part in range(0, n_files, 50_000):
        m = min(50_000, n_files - part)
        store.add_files(file_rows(first_file + part, m, rng, words))
    for a in range(0, len(vecs), 200_000):
        b = min(len(vecs), a + 200_000)
        rows = np.arange(a, b)
        hashes = [f"h{first_file + r // WINDOWS_PER_FILE}" for r in rows]
        idx = (rows % WINDOWS_PER_FILE).tolist()
        store.windows.add(hashes, [0.0] * len(rows), [10.0] * len(rows), idx, vecs[a:b])


def build(store_dir: Path, vecs: np.ndarray, rng, words: list[str]) -> float:
    from soundseek.files.roots import Root
    from soundseek.index.store import Store

    t = time.perf_counter()
    with Store(store_dir, writable=True) as s:
        s.use_model("bench", DIM)
        s.roots.update(lambda _roots: [Root("bench", "/lib", "lib")])
        add_files(s, 0, vecs, rng, words)
        s.maintain()
    return time.perf_counter() - t


# -- measuring in a fresh process --------------------------------------------------------------
class FixedQueries:
    """Stands in for the text encoder: the benchmark's query vectors, in order."""

    model_id, dim, device = "bench", DIM, "cpu"

    def __init__(self, queries: np.ndarray) -> None:
        self.queries, self.i = queries, 0

    def embed_text(self, texts):
        if len(texts) > 1:  # the confidence's null (every UCS caption): fixed unit vectors
            rng = np.random.default_rng(len(texts))
            rows = rng.standard_normal((len(texts), DIM)).astype(np.float32)
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return self.queries[self.i % len(self.queries)][None, :]

    def embed_audio(self, windows):
        raise AssertionError("not used")


def memory() -> dict:
    status = Path("/proc/self/status").read_text()
    pairs = (ln.split(":", 1) for ln in status.splitlines())
    field = {k.strip(): v.split()[0] for k, v in pairs if v.split()}
    mb = {k: int(field[k]) / 1024 for k in ("VmHWM", "VmRSS", "RssAnon", "RssFile") if k in field}
    return {"peak_rss_mb": mb.get("VmHWM"), "rss_mb": mb.get("VmRSS"),
            "anon_mb": mb.get("RssAnon"), "file_backed_mb": mb.get("RssFile")}  # fmt: skip


def child(store_dir: Path, work: Path, model: Path | None = None) -> None:
    """Time the searches of one built library (run as its own process). With a model, it is
    loaded as the app loads it and encodes every query once (timed apart: the searches use
    the benchmark's vectors), so the memory is the app's with its model."""
    from soundseek.index.retrieval import Retrieval
    from soundseek.index.store import Store
    from soundseek.search.searcher import Searcher

    queries = np.load(work / "queries.npy")
    texts = json.loads((work / "texts.json").read_text())
    t = time.perf_counter()
    retrieval = Retrieval(Store(store_dir))
    retrieval.words()
    searcher = Searcher(retrieval, FixedQueries(queries), captions=False)
    if hasattr(searcher, "warm"):
        searcher.warm()  # as App.library() does while a library opens
    open_s = time.perf_counter() - t
    encoded, emb = _encode_all(model, texts) if model else ({}, None)  # emb: kept loaded
    sound_side = _sound_side(searcher)
    sound_side(queries[:1])  # the first query maps the files
    vec, hyb, tops = [], [], []
    for i, q in enumerate(queries):
        t = time.perf_counter()
        sound = sound_side(q[None, :])
        vec.append(time.perf_counter() - t)
        tops.append(sorted(sound, key=lambda h: -sound[h].sim)[:10])
        searcher.embedder.i = i
        t = time.perf_counter()
        searcher.search(texts[i], limit=50)
        hyb.append(time.perf_counter() - t)
    out = {"open_s": open_s, "vector": vec, "hybrid": hyb, "tops": tops, **encoded, **memory()}
    del emb
    (work / "child.json").write_text(json.dumps(out))


def _encode_all(model: Path, texts: list[str]) -> tuple[dict, object]:
    """Load a CLAP folder as the app does (App.load_model) and encode each query's words."""
    from soundseek.embed.models import load_embedder
    from soundseek.paths import app_paths
    from soundseek.search.query import parse_query

    t = time.perf_counter()
    emb = load_embedder(app_paths(), str(model), "cpu")
    load_s = time.perf_counter() - t
    took = []
    for text in texts:
        t = time.perf_counter()
        emb.embed_text([parse_query(text).text])
        took.append(time.perf_counter() - t)
    numbers = {"model_load_s": load_s, "encode": took, "runtime": emb.pipeline.runtime,
               "torch_weights": getattr(emb, "holds_weights", True)}  # fmt: skip
    return numbers, emb


def _sound_side(searcher):
    """The vector side alone: the best windows, best per file (no records read)."""
    from soundseek.search.fusion import WINDOW_CANDIDATES

    if hasattr(searcher, "_best_windows"):
        return lambda vecs: searcher._best_windows(vecs, WINDOW_CANDIDATES, None)
    from soundseek.index.tables.filters import SEARCHABLE  # a checkout before _best_windows

    return lambda vecs: searcher._sound_matches(vecs, SEARCHABLE)


def measure(store_dir: Path, work: Path, tree: Path, model: Path | None) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, __file__, "--tree", str(tree), "--child", str(store_dir), str(work)]
    cmd += ["--model", str(model)] if model else []
    subprocess.run(cmd, check=True, env=env, cwd=tree)
    return json.loads((work / "child.json").read_text())


# -- one size ---------------------------------------------------------------------------------
def pct(xs: list[float], p: float) -> float:
    return round(float(np.percentile(np.asarray(xs) * 1000, p)), 1)


def exact_top_files(vecs: np.ndarray, q: np.ndarray, k: int = 10) -> tuple[list[str], float]:
    """The simple way: cosine against every vector, best window per file, top k files."""
    t = time.perf_counter()
    per_file = (vecs @ q).reshape(-1, WINDOWS_PER_FILE).max(axis=1)
    top = np.argpartition(-per_file, k)[:k]
    took = time.perf_counter() - t
    return [f"h{j}" for j in top[np.argsort(-per_file[top])]], took


def _split(lat: list[float], texts: list[str], filtered: bool) -> dict:
    part = [t for t, q in zip(lat, texts, strict=True) if (":" in q) == filtered]
    return {"p50": pct(part, 50), "p95": pct(part, 95)}


def exact_all(vecs: np.ndarray, queries: np.ndarray, k: int = 10) -> list[list[str]]:
    """Every query's exact top-k files in one pass over the vectors (a 5M-window file does
    not stay in the page cache for 40 separate passes)."""
    best = np.full((len(queries), len(vecs) // WINDOWS_PER_FILE), -np.inf, np.float32)
    step = 200_000
    for a in range(0, len(vecs), step):
        sims = np.asarray(vecs[a : a + step]) @ queries.T
        f0 = a // WINDOWS_PER_FILE
        best[:, f0 : f0 + len(sims) // WINDOWS_PER_FILE] = sims.T.reshape(
            len(queries), -1, WINDOWS_PER_FILE
        ).max(axis=2)
    out = []
    for row in best:
        top = np.argpartition(-row, k)[:k]
        out.append([f"h{j}" for j in top[np.argsort(-row[top])]])
    return out


def run_size(n: int, n_queries: int, tree: Path, scratch: Path, model: Path | None) -> dict:
    rng = np.random.default_rng(n)
    centres = rng.standard_normal((256, DIM))
    words = vocabulary()
    work = Path(tempfile.mkdtemp(dir=scratch))
    try:
        vecs = clustered(np.lib.format.open_memmap(work / "vecs.npy", "w+", np.float32, (n, DIM)),
                         rng, centres)  # fmt: skip
        queries = clustered(np.zeros((n_queries, DIM), np.float32), rng, centres)
        np.save(work / "queries.npy", queries)
        texts = [" ".join(words[j] for j in zipf_words(rng, 2, words)) for _ in queries]
        texts = [f"{t} {FILTERS[i % 3]}" if i % 3 == 2 else t for i, t in enumerate(texts)]
        (work / "texts.json").write_text(json.dumps(texts))
        store_dir = work / "index"
        build_s = build(store_dir, vecs, rng, words)
        got = measure(store_dir, work, tree, model)
        exact = exact_all(vecs, queries)
        recall = [len(set(e) & set(g)) / 10 for e, g in zip(exact, got["tops"], strict=True)]
        brute = [exact_top_files(vecs, q)[1] for q in queries[:BRUTE_QUERIES]]
        added = add_and_search(store_dir, n, rng, centres, words)
        return {
            "windows": n, "build_s": round(build_s, 1), "open_s": round(got["open_s"], 2),
            "recall_at_10": float(np.mean(recall)),
            "vector_ms": {"p50": pct(got["vector"], 50), "p95": pct(got["vector"], 95)},
            "hybrid_ms": {"p50": pct(got["hybrid"], 50), "p95": pct(got["hybrid"], 95)},
            "hybrid_words_only_ms": _split(got["hybrid"], texts, False),
            "hybrid_filtered_ms": _split(got["hybrid"], texts, True),
            "slowest": sorted(zip(got["hybrid"], texts, strict=True), reverse=True)[:3],
            "numpy_bruteforce_ms": {"p50": pct(brute, 50), "p95": pct(brute, 95)},
            "memory": {k: got[k] for k in ("peak_rss_mb", "rss_mb", "anon_mb", "file_backed_mb")},
            **_model_numbers(got),
            **added,
        }  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _model_numbers(got: dict) -> dict:
    if "encode" not in got:
        return {}
    encode = {"p50": pct(got["encode"], 50), "p95": pct(got["encode"], 95)}
    model = {"load_s": round(got["model_load_s"], 2), "runtime": got["runtime"],
             "torch_weights_in_memory": got["torch_weights"], "encode_ms": encode}  # fmt: skip
    return {"model": model}


def add_and_search(store_dir: Path, n: int, rng, centres, words) -> dict:
    """Add 1,000 files to the built library: searchable after the commit, then maintained."""
    from soundseek.index.retrieval import Retrieval
    from soundseek.index.store import Store

    new = clustered(np.zeros((ADD_FILES * WINDOWS_PER_FILE, DIM), np.float32), rng, centres)
    first = n // WINDOWS_PER_FILE
    before = _trained_rows(store_dir)
    with Store(store_dir, writable=True) as s:
        t = time.perf_counter()
        add_files(s, first, new, rng, words)
        searchable_s = time.perf_counter() - t
        reader = Retrieval(Store(store_dir))
        probe = [reader.window_search(new[i * WINDOWS_PER_FILE + 3], 1) for i in range(0, 1000, 97)]
        found = np.mean([bool(p) and p[0].content_hash == f"h{first + i}"
                         for p, i in zip(probe, range(0, 1000, 97), strict=True)])  # fmt: skip
        t = time.perf_counter()
        s.maintain()
        maintain_s = time.perf_counter() - t
    return {"add_1000_files_searchable_s": round(searchable_s, 2),
            "new_files_found_before_maintenance": float(found),
            "maintain_after_add_s": round(maintain_s, 2),
            "retrained_on_add": _trained_rows(store_dir) != before}  # fmt: skip


def _trained_rows(store_dir: Path) -> int | None:
    try:
        from soundseek.index.vectors.cachefiles import FOLDER, read_meta
    except ImportError:  # a checkout before the window cache
        return None
    meta = read_meta(store_dir / "cache" / FOLDER)
    return meta.trained_rows if meta else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1],
                    help="checkout whose soundseek package is measured")  # fmt: skip
    ap.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--model", type=Path, help="a CLAP folder the searching process loads "
                    "(memory with the model; query encoding timed apart)")  # fmt: skip
    ap.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(args.tree))
    if args.child:
        child(*args.child, args.model)
        return
    results = []
    for n in args.sizes:
        r = run_size(n, args.queries, args.tree.resolve(), args.scratch, args.model)
        print(json.dumps(r), flush=True)
        results.append(r)
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
