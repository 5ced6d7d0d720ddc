"""Search quality, judged: nDCG@10 and MRR of SoundSeek's search against simpler rankers.

Metadata mode (default): a real library (`--library`, default /tmp/realx: ~2,500 sounds from
Debian's game, drum-kit and sound-theme packages) is indexed metadata-only through the App, in
a home of its own (`--home`; kept, so a second run only rescans it; `--fresh` rebuilds it).
Every query of `--queries` (benchmarks/quality_queries.json: a query, its type, a regex for
the files a sound designer would accept, optional grades and a trap regex) is answered, on the
same files in the same run, by:

- `names-bm25`: the simple way, BM25 (k1 1.2, b 0.75) over the words of each file's NAME only
  (split on non-alphanumerics, camelCase and digits; lowercase; no stemming);
- `fts-before`: the previous engine, LanceDB full-text search (stemmed, positions, no stop-word
  removal) over each file's search text (`FileRecord.text`: name, folders, tags), in a temp table;
- `soundseek`: the product, `App.search(query, 10)` (no model in that home: metadata only).

It prints nDCG@10 and MRR@10 per query type and overall, the trap false positives (results in
a top 10 that only look right: "hat" → hatchet) and the worst queries for SoundSeek.

Sound mode (`--mode sound`, names held out): tests.tinyclap writes its synthetic classes (rain,
thunder, beeps, dog, whoosh) under neutral names (take_001.wav ...) and trains its tiny CLAP on
them (~20 s); the library is indexed with that model, each class name is a query and the files
of that class are relevant. Names carry nothing there, so names-bm25 should score ~0.

  .venv/bin/python -m benchmarks.bench_quality [--library /tmp/realx] [--home DIR] [--fresh]
      [--queries FILE] [--json OUT] [--show-failures 10]
  .venv/bin/python -m benchmarks.bench_quality --mode sound [--per-class 10]

Results: the tables, and per-query results in bench-out/quality.json (or `--json OUT`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SYSTEMS = ("names-bm25", "fts-before", "soundseek")
TYPES = ("plain", "synonym", "compound", "inflection", "trap", "typo", "multiword")
K = 10
HERE = Path(__file__).resolve().parent


@dataclass
class Judged:
    """One query and its judgments: grade of a file (by its path in the library), 0 if not
    relevant; `trap`: whether a file only looks right."""

    q: str
    type: str
    grade: Callable[[str], int]
    trap: Callable[[str], bool] | None = None
    note: str = ""
    ideal: list[int] = field(default_factory=list)  # grades of every relevant file, best first


def load_queries(path: Path) -> list[Judged]:
    """The judged queries of a JSON file (see benchmarks/quality_queries.json)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for e in data["queries"] if isinstance(data, dict) else data:
        relevant = re.compile(e["relevant"], re.I)
        grades = [(re.compile(rx, re.I), int(g)) for rx, g in e.get("grades", [])]
        trap = re.compile(e["trap"], re.I) if e.get("trap") else None

        def grade(relpath: str, relevant=relevant, grades=grades) -> int:
            if not relevant.search(relpath):
                return 0
            return next((g for rx, g in grades if rx.search(relpath)), 1)

        out.append(Judged(e["q"], e["type"], grade, trap and trap.search, e.get("note", "")))
    return out


# -- metrics --------------------------------------------------------------------------------
def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:K]))


def score(query: Judged, ranked: list[str]) -> dict:
    """nDCG@10, MRR@10 and trap hits of one ranked list of library paths."""
    got = [query.grade(p) for p in ranked[:K]]
    first = next((i for i, g in enumerate(got, 1) if g > 0), 0)
    traps = sum(bool(query.trap(p)) for p in ranked[:K]) if query.trap else 0
    return {"ndcg": dcg(got) / dcg(query.ideal), "mrr": 1 / first if first else 0.0,
            "traps": traps, "top": ranked[:K]}  # fmt: skip


# -- the simple way: BM25 over name words ------------------------------------------------------
_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(text: str) -> list[str]:
    """`HiHatClosed-0` → hi hat closed 0; `bass_acid01` → bass acid 01."""
    return [p.lower() for chunk in re.split(r"[^0-9A-Za-z]+", text) for p in _PIECES.findall(chunk)]


class NamesBM25:
    """Plain BM25 over file-name words (the baseline being measured, not product code)."""

    def __init__(self, relpaths: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.relpaths, self.k1, self.b = relpaths, k1, b
        self.docs = [Counter(name_words(os.path.splitext(p.rpartition("/")[2])[0]))
                     for p in relpaths]  # fmt: skip
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avgdl = sum(self.lengths) / max(1, len(self.docs))
        df = Counter(w for d in self.docs for w in d)
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}

    def search(self, query: str, limit: int = K) -> list[str]:
        terms = [w for w in name_words(query) if w in self.idf]
        scored = []
        for i, (doc, dl) in enumerate(zip(self.docs, self.lengths, strict=True)):
            s = 0.0
            for w in terms:
                tf = doc.get(w, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * dl / self.avgdl)
                    s += self.idf[w] * tf * (self.k1 + 1) / norm
            if s > 0:
                scored.append((-s, i))
        return [self.relpaths[i] for _, i in sorted(scored)[:limit]]


# -- the previous engine: LanceDB full-text search over FileRecord.text ------------------------
class FtsBefore:
    """The engine SoundSeek used before its word index: LanceDB FTS over each file's text."""

    def __init__(self, relpaths: list[str], texts: list[str], folder: Path) -> None:
        import lancedb
        from lancedb.index import FTS

        self.relpaths = relpaths
        db = lancedb.connect(str(folder))
        rows = [{"id": i, "text": t} for i, t in enumerate(texts)]
        self.table = db.create_table("files", data=rows)
        self.table.create_index(
            "text", config=FTS(with_position=True, stem=True, remove_stop_words=False)
        )

    def search(self, query: str, limit: int = K) -> list[str]:
        try:
            q = self.table.search(query, query_type="fts", fts_columns="text").limit(limit)
            ids = q.to_arrow().column("id").to_pylist()
        except Exception as exc:  # a query its parser refuses answers nothing
            print(f"  fts-before: {query!r} failed: {exc}")
            return []
        return [self.relpaths[i] for i in ids]


# -- the product ---------------------------------------------------------------------------------
def open_app(home: Path):
    from soundseek.app import App
    from soundseek.paths import HOME_ENV, app_paths

    os.environ[HOME_ENV] = str(home)
    return App.open(app_paths().ensure())


def index_library(app, library: Path, embed: bool) -> tuple[float, int]:
    """Add the library folder (if new) and run one index to the end: (seconds, unreadable
    files in the index)."""
    from soundseek.index.tables.filters import EVERYTHING
    from soundseek.index.tables.records import FileStatus

    others = [r.path for r in app.roots() if Path(r.path).resolve() != library.resolve()]
    if others:
        print(f"warning: this home also indexes {others}: their files can appear in results")
    app.add_root(str(library))
    t = time.perf_counter()
    for _progress in app.index(embed=embed):
        pass
    seconds = time.perf_counter() - t
    errors = sum(r.status is FileStatus.ERROR for r in app.library().store.records(EVERYTHING))
    return seconds, errors


def soundseek_search(app, library: Path) -> Callable[[str, int], list[str]]:
    def search(query: str, limit: int = K) -> list[str]:
        out = []
        for h in app.search(query, limit).hits[:limit]:
            rec = getattr(h, "file", None)
            out.append(rec.relpath if rec is not None else os.path.relpath(h.path, library))
        return out

    return search


def library_records(app) -> list:
    from soundseek.index.tables.filters import SEARCHABLE

    recs = app.library().store.records(SEARCHABLE)
    return sorted(recs, key=lambda r: r.relpath)


# -- one evaluation ------------------------------------------------------------------------------
def evaluate(queries: list[Judged], relpaths: list[str], systems: dict) -> tuple[list, dict]:
    """Every answerable query through every system: (per-query results, seconds per system)."""
    answerable = []
    for query in queries:
        query.ideal = sorted((g for g in map(query.grade, relpaths) if g > 0), reverse=True)
        if not query.ideal:
            print(f"warning: no relevant file in the library for {query.q!r}: skipped")
            continue
        answerable.append(query)
    spent = dict.fromkeys(systems, 0.0)
    results = []
    for query in answerable:
        row = {"q": query.q, "type": query.type, "relevant": len(query.ideal), "note": query.note}
        for name, search in systems.items():
            t = time.perf_counter()
            ranked = search(query.q, K)
            spent[name] += time.perf_counter() - t
            row[name] = score(query, ranked)
        results.append(row)
    return results, spent


def summary(results: list[dict], systems: list[str]) -> dict:
    groups = {t: [r for r in results if r["type"] == t] for t in TYPES}
    groups = {t: rs for t, rs in groups.items() if rs}
    groups.update({t: [r for r in results if r["type"] == t]
                   for t in sorted({r["type"] for r in results} - set(TYPES))})  # fmt: skip
    groups["all"] = results
    return {
        t: {"queries": len(rs),
            **{s: {"ndcg": sum(r[s]["ndcg"] for r in rs) / len(rs),
                   "mrr": sum(r[s]["mrr"] for r in rs) / len(rs)} for s in systems}}
        for t, rs in groups.items()
    }  # fmt: skip


def table(summ: dict, systems: list[str]) -> str:
    head = "| type | queries | " + " | ".join(f"{s} nDCG@10 | MRR" for s in systems) + " |"
    rows = [head, "|---|---|" + "---|---|" * len(systems)]
    for t, s in summ.items():
        cells = " | ".join(f"{s[n]['ndcg']:.3f} | {s[n]['mrr']:.3f}" for n in systems)
        name = f"**{t}**" if t == "all" else t
        rows.append(f"| {name} | {s['queries']} | {cells} |")
    return "\n".join(rows)


def trap_table(results: list[dict], systems: list[str]) -> str:
    trapped = [r for r in results if any(r[s]["traps"] for s in systems) or r["type"] == "trap"]
    n = sum(1 for r in results if r["type"] == "trap")
    rows = ["| query | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for r in trapped:
        rows.append(f"| {r['q']} | " + " | ".join(str(r[s]["traps"]) for s in systems) + " |")
    total = [sum(r[s]["traps"] for r in trapped) for s in systems]
    rows.append("| **total** | " + " | ".join(map(str, total)) + " |")
    head = (f"False positives on traps (results in a top 10 matching the query's trap regex; "
            f"{n} trap queries, plus any other query with a trap):")  # fmt: skip
    return head + "\n" + "\n".join(rows)


def failures(results: list[dict], n: int, system: str = "soundseek") -> str:
    worst = sorted(results, key=lambda r: (r[system]["ndcg"], r[system]["mrr"]))[:n]
    lines = [f"Worst {len(worst)} queries for {system}:"]
    for r in worst:
        s = r[system]
        lines.append(f"  {r['q']!r} ({r['type']}, {r['relevant']} relevant): nDCG@10 "
                     f"{s['ndcg']:.3f}, MRR {s['mrr']:.3f}, traps {s['traps']}")  # fmt: skip
        for p in s["top"][:5]:
            lines.append(f"      {'…' + p[-77:] if len(p) > 78 else p}")
        if not s["top"]:
            lines.append("      (nothing)")
    return "\n".join(lines)


# -- modes ---------------------------------------------------------------------------------------
def default_home(library: Path) -> Path:
    tag = re.sub(r"[^0-9A-Za-z]+", "-", str(library.resolve())).strip("-")
    return Path(tempfile.gettempdir()) / f"bench-quality-home-{tag}"


def metadata_mode(args) -> dict:
    library = Path(args.library)
    if not library.is_dir():
        raise SystemExit(f"no library folder at {library}")
    home = Path(args.home) if args.home else default_home(library)
    if args.fresh and home.exists():
        shutil.rmtree(home)
    reused = (home / "data" / "index").exists()
    app = open_app(home)
    if app.installed_models():
        print(f"note: {home} has a model installed; indexing metadata only (embed=False)")
    index_s, errors = index_library(app, library, embed=False)
    records = library_records(app)
    relpaths = [r.relpath for r in records]
    how = "rescan of the existing index" if reused else "new index"
    print(f"library {library}: {len(records)} searchable files ({errors} unreadable); metadata "
          f"index in {index_s:.1f} s ({how}, home {home})")  # fmt: skip

    t = time.perf_counter()
    bm25 = NamesBM25(relpaths)
    with tempfile.TemporaryDirectory(prefix="bench-quality-fts-") as tmp:
        fts = FtsBefore(relpaths, [r.text for r in records], Path(tmp))
        build_s = time.perf_counter() - t
        systems = {"names-bm25": bm25.search, "fts-before": fts.search,
                   "soundseek": soundseek_search(app, library)}  # fmt: skip
        app.search("warm up", 1)  # opens the index and word tables: not a query's cost
        results, spent = evaluate(load_queries(Path(args.queries)), relpaths, systems)
    return {"mode": "metadata", "library": str(library), "home": str(home), "files": len(records),
            "unreadable": errors, "index_s": round(index_s, 2), "index_reused": reused,
            "baselines_build_s": round(build_s, 2), "results": results, "spent": spent}  # fmt: skip


def sound_mode(args) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from tests.tinyclap import train_tiny_clap, write_class_library

    work = Path(tempfile.mkdtemp(prefix="bench-quality-sound-"))
    try:
        t = time.perf_counter()
        files = write_class_library(work / "library", args.per_class, seed=args.library_seed)
        write_s = time.perf_counter() - t
        t = time.perf_counter()
        model = train_tiny_clap(work / "trained", seed=args.seed)
        train_s = time.perf_counter() - t
        app = open_app(work / "home")
        t = time.perf_counter()
        app.import_model(str(model), "trained")
        app.load_model()
        import_s = time.perf_counter() - t
        library = work / "library"
        index_s, errors = index_library(app, library, embed=True)
        records = library_records(app)
        relpaths = [r.relpath for r in records]
        print(f"{len(records)} files ({args.per_class} per class, written in {write_s:.1f} s); "
              f"tiny CLAP trained in {train_s:.1f} s, imported and loaded in {import_s:.1f} s; "
              f"indexed with it in {index_s:.1f} s ({errors} unreadable)")  # fmt: skip
        queries = []
        for name, paths in files.items():
            mine = {os.path.relpath(p, library) for p in paths}
            queries.append(Judged(name, "sound", lambda p, mine=mine: int(p in mine),
                                  note=f"{len(mine)} files of class {name}"))  # fmt: skip
        fts = FtsBefore(relpaths, [r.text for r in records], work / "fts")
        systems = {"names-bm25": NamesBM25(relpaths).search, "fts-before": fts.search,
                   "soundseek": soundseek_search(app, library)}  # fmt: skip
        app.search("warm up", 1)
        results, spent = evaluate(queries, relpaths, systems)
        app.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"mode": "sound", "files": len(relpaths), "per_class": args.per_class,
            "train_s": round(train_s, 1), "import_s": round(import_s, 1),
            "index_s": round(index_s, 2), "results": results, "spent": spent}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("metadata", "sound"), default="metadata")
    ap.add_argument("--library", default="/tmp/realx", help="metadata mode: the library folder")
    ap.add_argument("--home", help="SoundSeek home for the index (default: a fixed temp folder "
                    "per library, reused by the next run)")  # fmt: skip
    ap.add_argument("--fresh", action="store_true", help="delete the home's index and rebuild")
    ap.add_argument("--queries", default=str(HERE / "quality_queries.json"))
    ap.add_argument("--json", help="per-query results (default bench-out/quality[-sound].json)")
    ap.add_argument("--show-failures", type=int, default=10, metavar="N",
                    help="list SoundSeek's N worst queries with its top 5")  # fmt: skip
    ap.add_argument("--per-class", type=int, default=10, help="sound mode: files per class")
    ap.add_argument("--seed", type=int, default=0, help="sound mode: training seed")
    ap.add_argument("--library-seed", type=int, default=7, help="sound mode: library seed")
    args = ap.parse_args()

    wall = time.perf_counter()
    out = metadata_mode(args) if args.mode == "metadata" else sound_mode(args)
    results = out["results"]
    systems = list(SYSTEMS)
    out["summary"] = summary(results, systems)
    n = len(results)
    spent = out.pop("spent")
    out["ms_per_query"] = {s: round(1000 * spent[s] / max(1, n), 2) for s in systems}
    out["wall_s"] = round(time.perf_counter() - wall, 1)

    print(f"\n{n} judged queries (nDCG@10 with graded gains 2^g-1; MRR@10):\n")
    print(table(out["summary"], systems))
    print("\nms per query: " + ", ".join(f"{s} {v}" for s, v in out["ms_per_query"].items()))
    if args.mode == "metadata":
        print("\n" + trap_table(results, systems))
    if args.show_failures:
        print("\n" + failures(results, args.show_failures))
    print(f"\ntotal {out['wall_s']} s")

    dest = (
        Path(args.json)
        if args.json
        else Path("bench-out")
        / ("quality.json" if args.mode == "metadata" else "quality-sound.json")
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2))
    print(f"per-query results: {dest}")


if __name__ == "__main__":
    main()
