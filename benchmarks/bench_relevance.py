"""Where results end: precision and recall of the strong set (the hits above the divider).

Sound mode (default): tests.tinyclap's synthetic classes under neutral names, the tiny CLAP
trained on them (~30 s), the library indexed with it; each class is searched by what users
type for it (tests.tinyclap.QUERIES: "thunder", "a high pitched beep", ...; the model learned
them) and by its UCS text read as a query ("weather thunder": a phrasing the tiny model never
saw), and the strong set is judged against the class's files. Also unrelated queries
("laser", "glass shattering"): how many hits they call strong. `--model DIR` uses an already
trained model folder instead of training one.

Real corpus (when `--library` exists, default /tmp/realx; skipped otherwise): the judged
queries of benchmarks/quality_queries.json, metadata only (as bench_quality): nDCG@10 of the
ranking against every relevant file of the library (the divider never reorders, so it is
bench_quality's figure) and, per query type, the strong set's size, precision (hits graded
relevant; no strong hit counts 0 where the library has relevant files) and recall (of the
relevant files in the whole library). `--skip-sound` runs the real corpus alone.

  .venv/bin/python -m benchmarks.bench_relevance [--per-class 8] [--seed 7] [--model DIR]
      [--library /tmp/realx] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.bench_quality import (
    HERE,
    default_home,
    index_library,
    library_records,
    load_queries,
    open_app,
    score,
)

UNRELATED = ("laser", "glass shattering")  # no class of the library is either


def class_query(name: str) -> str:
    from soundseek.metadata.ucs import load_catalog
    from tests.tinyclap import SOUND_CLASSES

    entry = load_catalog().by_catid[SOUND_CLASSES[name][0]]
    return f"{entry.category} {entry.subcategory}".lower()


def strong_pr(hits, mine: set[str]) -> tuple[int, float, float]:
    strong = [h.path for h in hits if h.strong]
    found = len(set(strong) & mine)
    return len(strong), (found / len(strong) if strong else 1.0), found / max(1, len(mine))


def sound_mode(args) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from tests.tinyclap import QUERIES, train_tiny_clap, write_class_library

    work = Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    try:
        files = write_class_library(work / "library", args.per_class, seed=args.seed)
        t = time.perf_counter()
        model = Path(args.model) if args.model else train_tiny_clap(work / "trained")
        train_s = time.perf_counter() - t
        app = open_app(work / "home")
        app.models.import_model(str(model), "trained")
        app.models.load_model()
        index_s, _ = index_library(app, work / "library", embed=True)
        total = len(library_records(app))
        print(f"{total} files ({args.per_class} per class); model "
              f"{'given' if args.model else f'trained in {train_s:.1f} s'}; indexed in "
              f"{index_s:.1f} s")  # fmt: skip
        print(f"{'query':24} {'class':8} {'strong':>6} {'precision':>9} {'recall':>6}  met")
        for name, paths in files.items():
            for query in (*QUERIES[name], class_query(name)):  # as users type it; UCS text
                hits = app.search(query, 200).hits
                n, p, r = strong_pr(hits, set(paths))
                met = "yes" if min(p, r) >= 0.9 else "no"
                print(f"{query:24} {name:8} {n:6d} {p:9.2f} {r:6.2f}  {met}")
        for query in UNRELATED:
            hits = app.search(query, 200).hits
            print(f"{query:24} {'-':8} {sum(h.strong for h in hits):6d} of {len(hits)} hits")
        app.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def real_mode(args) -> None:
    library = Path(args.library)
    if not library.is_dir():
        print(f"real corpus: {library} does not exist, skipped")
        return
    home = Path(args.home) if args.home else default_home(library)
    app = open_app(home)
    index_library(app, library, embed=False)
    everything = [r.relpath for r in library_records(app)]
    by_type: dict[str, list[tuple[float, int, float, float]]] = defaultdict(list)
    for q in load_queries(Path(args.queries)):
        hits = app.search(q.q, 100).hits
        rel = [os.path.relpath(h.path, library) for h in hits]
        relevant = {p for p in everything if q.grade(p) > 0}  # in the whole library, as
        q.ideal = sorted((q.grade(p) for p in relevant), reverse=True) or [1]  # bench_quality
        strong = {p for p, h in zip(rel, hits, strict=True) if h.strong}
        # no strong hit: precision is not defined; counted as 0 when the library has relevant
        # files (the query found nothing it should have), 1 when it has none
        precision = len(strong & relevant) / len(strong) if strong else float(not relevant)
        recall = len(strong & relevant) / len(relevant) if relevant else 1.0
        by_type[q.type].append((score(q, rel)["ndcg"], len(strong), precision, recall))
    print(
        f"real corpus {library}: per query type, mean of nDCG@10 (ranking unchanged), "
        "strong hits, strong precision, strong recall (of the library's relevant files)"
    )
    for kind, rows in sorted(by_type.items()):
        means = [sum(col) / len(rows) for col in zip(*rows, strict=True)]
        print(f"  {kind:11} {len(rows):3d} queries  nDCG {means[0]:.3f}  strong {means[1]:.1f}  "
              f"P {means[2]:.2f}  R {means[3]:.2f}")  # fmt: skip
    app.close()


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-class", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7, help="library seed")
    ap.add_argument("--model", help="a trained tiny CLAP folder (default: train one)")
    ap.add_argument("--library", default="/tmp/realx", help="real corpus (skipped if absent)")
    ap.add_argument("--home", help="real corpus: the home to index it in")
    ap.add_argument("--queries", default=str(HERE / "quality_queries.json"))
    ap.add_argument("--skip-sound", action="store_true", help="the real corpus alone")
    args = ap.parse_args()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores")
    if not args.skip_sound:
        sound_mode(args)
    real_mode(args)


if __name__ == "__main__":
    main()
