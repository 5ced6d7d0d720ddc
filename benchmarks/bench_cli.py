"""Shell search latency: `soundseek search` wall time, cold (page cache dropped) and warm, on
a generated library of N files (default 100k), metadata only and with a model.

The library is written straight into a store (no audio): names built from the UCS list and
the sound-effects thesaurus, ~1.4 windows per file of random unit vectors in the model's
space, then the writer's maintenance (word index, window cache). The model is a
full-size LAION-CLAP architecture with random weights (`--arch unfused`), so loading it costs
what it costs; its ONNX text export is made once, as an index run would.

`--vs TREE` times another checkout's CLI (e.g. the previous commit:
`git worktree add /tmp/prev eb8630c`) on the same home, in the same run. That version
searched words through LanceDB's full-text index, which this script then builds too.

    .venv/bin/python -m benchmarks.bench_cli --files 100000 --vs /tmp/prev
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

QUERIES = ("gunshot", "door creak", "footsteps gravel", "explosoin", "engine rumble")


def vocabulary() -> list[str]:
    from soundseek.metadata.ucs import load_catalog
    from soundseek.words.thesaurus import curated

    cat = load_catalog()
    words = {w for c in cat.by_catid.values() for w in c.synonyms if w.isalpha()}
    words |= {k for k in curated().get("related", {}) if k.isalpha()}
    return sorted(words)


def build(home: Path, n: int, with_vectors: bool, model_dir: Path | None, seed: int = 0):
    """A store of n files (and their windows when `with_vectors`), maintained by the writer."""
    from soundseek.app import App
    from soundseek.files.roots import Root
    from soundseek.index.store import Store
    from soundseek.index.tables.records import FileStatus
    from soundseek.paths import app_paths

    os.environ["SOUNDSEEK_HOME"] = str(home)
    paths = app_paths().ensure()
    if model_dir is not None:  # imported first: the space is the imported folder's
        App.open(paths).import_model(str(model_dir), "bench")
        App.open(paths).update_settings(model="bench")
    rng = np.random.default_rng(seed)
    vocab, catids = np.array(vocabulary()), _catids()
    started = time.perf_counter()
    with Store(paths.store_dir, writable=True) as s:
        if with_vectors:
            folder = paths.models_dir / "bench"
            s.use_model("bench", _dim(folder), _space(folder), "torch-fp32")
        s.roots.update(lambda _r: [Root("bench", "/lib", "lib")])
        status = FileStatus.INDEXED if with_vectors else FileStatus.PENDING
        for a in range(0, n, 20_000):
            recs = [_record(i, rng, vocab, catids, status) for i in range(a, min(n, a + 20_000))]
            s.add_files(recs)
            if with_vectors:
                _windows(s, recs, rng)
        s.maintain()
    return time.perf_counter() - started


def _catids() -> list[str]:
    from soundseek.metadata.ucs import load_catalog

    return sorted(load_catalog().by_catid)


def _record(i, rng, vocab, catids, status):
    from soundseek.index.tables.records import FileRecord

    words = " ".join(rng.choice(vocab, 3))
    ucs = i % 3 == 0
    cat = catids[i % len(catids)] if ucs else ""
    name = (
        f"{cat}_{words.title().replace(' ', '')}_JD_LIB.wav" if ucs else f"{words} {i % 50:02d}.wav"
    )
    return FileRecord("bench", f"folder{i % 200}/{name}", size=1, mtime_ns=i, status=status,
                      content_hash=f"h{i}", duration=float(rng.uniform(0.5, 30)),
                      samplerate=48000, channels=2, n_windows=1 + (i % 5 == 0) * 2, catid=cat,
                      text=f"{words} folder{i % 200}")  # fmt: skip


def _dim(folder: Path) -> int:
    return int(json.loads((folder / "config.json").read_text())["projection_dim"])


def _windows(store, recs, rng) -> None:
    hashes, idx = [], []
    for r in recs:
        hashes += [r.content_hash] * r.n_windows
        idx += list(range(r.n_windows))
    vecs = rng.standard_normal((len(hashes), store.info.dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    store.windows.add(hashes, [0.0] * len(hashes), [10.0] * len(hashes), idx, vecs)


def _space(model_dir: Path) -> str:
    from soundseek.embed.backends import PipelineId, checkpoint_id
    from soundseek.embed.features import FEATURE_VERSION

    return PipelineId("bench", checkpoint_id(model_dir), FEATURE_VERSION, "", "").space


def export_text(home: Path) -> float:
    from soundseek.embed.clap import ClapEmbedder

    started = time.perf_counter()
    folder = home / "data" / "models" / "bench"
    ClapEmbedder(folder, "bench", device="cpu").export_text()
    return time.perf_counter() - started


def old_fts(home: Path) -> None:
    """The previous version searched words through LanceDB's full-text index."""
    from lancedb.index import FTS

    from soundseek.index.store import Store
    from soundseek.index.tables.schema import FILES

    with Store(home / "data" / "index", writable=True) as s:
        s.table(FILES).create_index(
            "text", config=FTS(with_position=True, stem=True, remove_stop_words=False),
            replace=True,
        )  # fmt: skip


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def time_search(tree: Path, home: Path, query: str, cold: bool) -> float:
    if cold:
        drop_caches()
    env = {**os.environ, "SOUNDSEEK_HOME": str(home), "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "soundseek", "search", query, "--limit", "10"],
                   cwd=tree, env=env, check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - started


def measure(trees: dict[str, Path], home: Path, runs: int) -> dict:
    out = {}
    for name, tree in trees.items():
        cold = [time_search(tree, home, q, True) for q in QUERIES]
        warm = [time_search(tree, home, q, False) for q in QUERIES for _ in range(runs)]
        out[name] = {"cold_median_s": round(statistics.median(cold), 3),
                     "cold_max_s": round(max(cold), 3),
                     "warm_median_s": round(statistics.median(warm), 3),
                     "warm_max_s": round(max(warm), 3)}  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--arch", choices=["unfused", "tiny"], default="unfused")
    ap.add_argument("--vs", type=Path, metavar="TREE", help="another checkout to compare")
    ap.add_argument("--skip-model", action="store_true", help="metadata only")
    args = ap.parse_args()
    trees = {"this": Path.cwd(), **({"vs": args.vs} if args.vs else {})}
    report: dict = {"cache_drop": drop_caches(), "files": args.files}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        report["build_metadata_s"] = round(build(tmp / "meta", args.files, False, None), 1)
        if args.vs:
            old_fts(tmp / "meta")
        report["metadata_only"] = measure(trees, tmp / "meta", args.runs)
        print(json.dumps(report), flush=True)
        if not args.skip_model:
            from benchmarks.bench_index import build_full_model

            model = build_full_model(tmp / "model", args.arch)
            report["build_with_vectors_s"] = round(build(tmp / "sound", args.files, True, model), 1)
            report["text_export_s"] = round(export_text(tmp / "sound"), 1)
            if args.vs:
                old_fts(tmp / "sound")
            report["with_model"] = measure(trees, tmp / "sound", args.runs)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
