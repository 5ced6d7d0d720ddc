"""Two checkouts' benchmarks in one run, interleaved (A, B, A, B ...), with B/A ratios.

Driven by compare_refactor.sh (which makes the two checkouts); usable on any two checkouts:

    python benchmarks/compare_refactor.py --a /tmp/old --b /tmp/new [--rounds 3] ...

Each checkout runs its own copy of a benchmark (the copy that knows its own code), on the
same data:
  search    bench_search.py --sizes N (each size, each round: A then B). Its data are drawn
            from seeded generators, so both checkouts build and search the same library.
  pipeline  bench_pipeline.py --library LIB --workers W (each round: A then B), on one
            generated folder of WAVs (bench_index.make_library).
  cli       bench_cli's libraries (metadata only, and with vectors and a model) built once by
            B's bench_cli.build, then `soundseek search` of bench_cli's queries timed as
            bench_cli times it, per query and run A then B: cold (page cache dropped, root
            only; --no-cold skips it) and warm, after one untimed search by each checkout.
Per number: the median of A's runs, of B's, and the median of the pair-by-pair ratios B/A
(pairing keeps a ratio honest when the machine's speed drifts). Lower is better for times
(`_s`, `_ms`) and memory; higher for rates (`_per_s`) and recall. Everything, with each
invocation's wall seconds, goes to --out as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

CLI_QUERIES = ("gunshot", "door creak", "footsteps gravel", "explosoin", "engine rumble")


@dataclass
class Side:
    """One checkout: its label, its folder, and the flat numbers of each of its runs."""

    label: str
    tree: Path
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.tree), **extra}


@dataclass
class Log:
    """Wall seconds of every invocation, and failures (the run goes on without them)."""

    walls: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    patched: list[str] = field(default_factory=list)

    def run(self, what: str, side: Side | None, argv: list[str], say: bool = True,
            **kw) -> str | None:  # fmt: skip
        """`argv` run to completion; its stdout, or None when it failed (logged)."""
        started = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, **kw)
        wall = round(time.perf_counter() - started, 1)
        who = side.label if side else "-"
        self.walls.append({"what": what, "side": who, "wall_s": wall})
        if say or proc.returncode != 0:
            print(f"  {what} [{who}] {wall} s" + ("" if proc.returncode == 0 else " FAILED"),
                  file=sys.stderr, flush=True)  # fmt: skip
        if proc.returncode != 0:
            self.failures.append({"what": what, "side": who, "rc": proc.returncode,
                                  "stderr": proc.stderr[-3000:]})  # fmt: skip
            return None
        return proc.stdout


def flat(value, prefix: str = "") -> dict[str, float]:
    """The numbers of a JSON value by dotted key (lists, strings and booleans left out)."""
    if isinstance(value, dict):
        out: dict[str, float] = {}
        for k, v in value.items():
            out.update(flat(v, f"{prefix}{k}."))
        return out
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {prefix[:-1]: float(value)}
    return {}


def last_json(stdout: str) -> dict:
    """The last line of `stdout` that is a JSON object."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


# -- the benchmarks ---------------------------------------------------------------------------
STAND_IN = """    def embed_text(self, texts):
        return self.queries[self.i % len(self.queries)][None, :]
"""
STAND_IN_FIXED = """    def embed_text(self, texts):
        if len(texts) > 1:  # the confidence's null (every UCS caption): fixed unit vectors
            rng = np.random.default_rng(len(texts))
            rows = rng.standard_normal((len(texts), DIM)).astype(np.float32)
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return self.queries[self.i % len(self.queries)][None, :]
"""


def patch_stand_in(side: Side) -> bool:
    """Revisions 18e5231 (search confidence) to 3cadad9: bench_search's stand-in encoder gave
    one row for the null's 1,504 captions and every hybrid search failed. Their copy gets
    the fix (only with --patch-old-bench: it edits the checkout, meant for throw-away ones)."""
    script = side.tree / "benchmarks" / "bench_search.py"
    text = script.read_text()
    if STAND_IN not in text or not (side.tree / "soundseek/search/confidence.py").exists():
        return False
    script.write_text(text.replace(STAND_IN, STAND_IN_FIXED))
    return True


def search(sides: list[Side], log: Log, args: argparse.Namespace) -> None:
    scratch = args.scratch / "search"
    scratch.mkdir(parents=True, exist_ok=True)
    for side in sides if args.patch_old_bench else []:
        if patch_stand_in(side):
            log.patched.append(side.label)
            print(f"  bench_search.py of {side.label} patched (stand-in encoder)", file=sys.stderr)
    for n in args.sizes:
        for r in range(args.rounds):
            for side in sides:
                argv = [sys.executable, str(side.tree / "benchmarks" / "bench_search.py"),
                        "--tree", str(side.tree), "--sizes", str(n),
                        "--queries", str(args.queries), "--scratch", str(scratch)]  # fmt: skip
                out = log.run(f"search {n} round {r + 1}", side, argv, cwd=scratch,
                              env=side.env())  # fmt: skip
                if out is not None:
                    side.runs.setdefault(f"search {n}", []).append(flat(last_json(out)))


def pipeline(sides: list[Side], log: Log, args: argparse.Namespace) -> None:
    library = args.pipeline_library or args.scratch / "pipeline-library"
    if not library.is_dir():
        library.mkdir(parents=True)
        code = (
            "import sys; from pathlib import Path; from benchmarks.bench_index import "
            "make_library; print(make_library(Path(sys.argv[1]), int(sys.argv[2])))"
        )
        b = sides[-1]
        argv = [sys.executable, "-c", code, str(library), str(args.pipeline_files)]
        if log.run("pipeline library", None, argv, cwd=b.tree, env=b.env()) is None:
            return
    workers = [str(w) for w in args.workers]
    for r in range(args.rounds):
        for side in sides:
            argv = [sys.executable, "-m", "benchmarks.bench_pipeline", "--library", str(library),
                    "--workers", *workers]  # fmt: skip
            out = log.run(f"pipeline round {r + 1}", side, argv, cwd=side.tree, env=side.env())
            if out is not None:
                result = json.loads((side.tree / "bench-out" / "pipeline.json").read_text())
                numbers = {f"workers {x['workers']}.{k}": v for x in result["this"]
                           for k, v in flat(x).items() if k != "workers"}  # fmt: skip
                side.runs.setdefault("pipeline", []).append(numbers)


def cli(sides: list[Side], log: Log, args: argparse.Namespace) -> None:
    root = args.scratch / "cli"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    b = sides[-1]
    code = (
        "import sys; from pathlib import Path; import benchmarks.bench_cli as c\n"
        "root, n, arch = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\n"
        "c.build(root / 'meta', n, False, None)\n"
        "if arch != 'none':\n"
        "    from benchmarks.bench_index import build_full_model\n"
        "    model = build_full_model(root / 'model', arch)\n"
        "    c.build(root / 'sound', n, True, model)\n"
        "    c.export_text(root / 'sound')\n"
    )
    argv = [sys.executable, "-c", code, str(root), str(args.cli_files), args.cli_arch]
    if log.run("cli libraries", None, argv, cwd=b.tree, env=b.env()) is None:
        return
    homes = ["meta"] + ([] if args.cli_arch == "none" else ["sound"])
    for home in homes:
        for side in sides:  # first-use files (caches, verdicts) written before any timing
            _search(log, side, root / home, "warm up", f"cli {home} warm-up")
        times = {s.label: {"cold": [], "warm": []} for s in sides}
        for q in CLI_QUERIES:
            for kind in (["cold"] if args.cold else []) + ["warm"] * args.cli_runs:
                for side in sides:
                    t = _search(log, side, root / home, q, f"cli {home} {kind}", kind == "cold")
                    times[side.label][kind].append(t)
        for side in sides:
            for i in range(len(times[side.label]["warm"])):  # one "run" per timed pair
                numbers = {f"{home}.{k}_s": v[i] for k, v in times[side.label].items()
                           if i < len(v) and v[i] is not None}  # fmt: skip
                side.runs.setdefault("cli", []).append(numbers)


def _search(log: Log, side: Side, home: Path, query: str, what: str, cold: bool = False):
    """Seconds of one `soundseek search` process (None: it failed)."""
    if cold:
        _drop_caches()
    argv = [sys.executable, "-m", "soundseek", "search", query, "--limit", "10"]
    started = time.perf_counter()
    ok = log.run(what, side, argv, say=False, cwd=side.tree,
                 env=side.env(SOUNDSEEK_HOME=str(home)))  # fmt: skip
    return round(time.perf_counter() - started, 4) if ok is not None else None


def _drop_caches() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


# -- the comparison ---------------------------------------------------------------------------
def compare(a: Side, b: Side) -> dict[str, dict[str, dict[str, float]]]:
    """Per benchmark and number: A's median, B's median, the median pairwise ratio B/A."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for bench in a.runs.keys() & b.runs.keys():
        rows: dict[str, dict[str, float]] = {}
        pairs = list(zip(a.runs[bench], b.runs[bench], strict=False))
        for key in sorted({k for x, y in pairs for k in x.keys() & y.keys()}):
            xs = [(x[key], y[key]) for x, y in pairs if key in x and key in y]
            ratios = [y / x for x, y in xs if x]
            rows[key] = {"a": statistics.median(x for x, _ in xs),
                         "b": statistics.median(y for _, y in xs),
                         "b_over_a": statistics.median(ratios) if ratios else float("nan"),
                         "pairs": len(xs)}  # fmt: skip
        out[bench] = rows
    return out


def table(result: dict, a: Side, b: Side) -> str:
    lines = [f"A = {a.label} ({a.tree}), B = {b.label} ({b.tree}); medians, B/A paired"]
    for bench, rows in sorted(result.items()):
        lines.append(f"\n{bench}")
        lines.append(f"  {'number':<44} {'A':>11} {'B':>11} {'B/A':>7}  pairs")
        for key, r in rows.items():
            lines.append(f"  {key:<44} {r['a']:>11.4g} {r['b']:>11.4g} {r['b_over_a']:>7.3f}"
                         f"  {r['pairs']}")  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=Path, required=True, help="checkout A (the baseline)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--labels", nargs=2, default=["A", "B"], metavar=("A", "B"))
    ap.add_argument("--only", nargs="+", choices=["search", "pipeline", "cli"],
                    default=["search", "pipeline", "cli"])  # fmt: skip
    ap.add_argument("--rounds", type=int, default=3, help="A-B pairs per search size, pipeline")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                    help="bench_search: windows")  # fmt: skip
    ap.add_argument("--queries", type=int, default=60, help="bench_search: queries")
    ap.add_argument("--pipeline-files", type=int, default=40, help="bench_pipeline: WAVs")
    ap.add_argument("--pipeline-library", type=Path, help="bench_pipeline: a folder to reuse")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="bench_pipeline")
    ap.add_argument("--cli-files", type=int, default=100_000, help="bench_cli: files")
    ap.add_argument("--cli-runs", type=int, default=3, help="bench_cli: warm runs a query")
    ap.add_argument("--cli-arch", choices=["unfused", "tiny", "none"], default="unfused",
                    help="bench_cli: the vector library's model (none: skip it)")  # fmt: skip
    ap.add_argument("--no-cold", dest="cold", action="store_false",
                    help="bench_cli: no cold runs (they drop the page cache)")  # fmt: skip
    ap.add_argument("--patch-old-bench", action="store_true",
                    help="fix an old bench_search's stand-in encoder (edits it)")  # fmt: skip
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/compare-refactor"))
    ap.add_argument("--out", type=Path, default=Path("bench-out/compare_refactor.json"))
    args = ap.parse_args()
    a, b = (Side(lbl, t.resolve()) for lbl, t in zip(args.labels, (args.a, args.b), strict=True))
    if args.cold and os.geteuid() != 0:
        print("not root: cold CLI runs cannot drop the page cache; use --no-cold", file=sys.stderr)
        return 2
    args.scratch.mkdir(parents=True, exist_ok=True)
    log, started = Log(), time.perf_counter()
    for name in args.only:
        print(f"{name}:", file=sys.stderr, flush=True)
        {"search": search, "pipeline": pipeline, "cli": cli}[name]([a, b], log, args)
    result = compare(a, b)
    print(table(result, a, b))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "a": {"label": a.label, "tree": str(a.tree)}, "b": {"label": b.label, "tree": str(b.tree)},
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "total_s": round(time.perf_counter() - started, 1), "compare": result,
        "runs": {"a": a.runs, "b": b.runs}, "walls": log.walls, "failures": log.failures,
        "patched_bench_search": log.patched,
    }, indent=2))  # fmt: skip
    for f in log.failures:
        print(f"\nFAILED {f['what']} [{f['side']}] rc {f['rc']}:\n{f['stderr']}", file=sys.stderr)
    return 1 if log.failures else 0


if __name__ == "__main__":
    sys.exit(main())
