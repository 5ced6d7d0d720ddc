"""The walk of one typed query through SoundSeek's code: how many places a reader passes.

Builds (or reuses, `--home`) a small library: the tests' mixed audio files (tests.audiofiles)
indexed with the tests' tiny LAION-CLAP (tests.tinyclap: the real transformers classes, a tiny
config, random weights), so a search goes the way a real model's goes (`--embedder fake`: the
tests' band-energy stand-in; `none`: metadata only). Then, after the model is loaded and a
warm-up search for another query has run (imports, module bodies and first-use set-up are
not counted), one call is traced with `sys.setprofile` on the calling thread:

  full     App.open(home), model loaded, app.search("door creak")
  instant  a fresh App.open(home), no model loaded, the shell's instant answer:
           app.search("door creak", loads_model=True) (a version before search.routing:
           app.quick_search; one without either: app.search with no model)

Only frames whose code lives in the traced checkout's soundseek/ package count. Module bodies
and comprehensions (<module>, <listcomp>, <genexpr>, ...) are not functions a reader goes to:
their work is their enclosing function's. Other packages' frames are see-through.

Counted, per traced call:
  functions  distinct soundseek functions called (file + qualified name); calls: all call
             events of them (a generator counts again each time it is resumed)
  files      distinct soundseek files entered
  reading walk (the headline, the issue's "stops" and "returns"): the functions in the order
             they are first called, each read once, as a reader following the query reads
             them; consecutive functions in one file make one stop. stops = files + returns;
             a return is a stop in a file the walk had been in and left (a move from file A
             to file B where B came before); "most entered" is the file with the most stops.
  run walk   the same over everything that ran: the file of the innermost soundseek frame
             after every call and every return (coming back from a callee is a move too),
             repeats merged. It grows with the data (a loop over hits that calls another file
             moves twice per hit), so it measures the run, not the layout.
`--depth N` keeps only calls at most N soundseek frames deep (App's method is depth 1): the
main line of the walk without its leaves.

    PYTHONPATH=. .venv/bin/python benchmarks/walk_query.py [--tree CHECKOUT] [--home DIR] [--json]

`--tree` traces another checkout (its soundseek/ and tests/ are imported first), e.g. one made
with `git worktree add /tmp/old 1cebbf9`: only App's public calls are used, and their absence
in older versions is tolerated. The library is built by the traced checkout into `--home`
(a fresh temporary folder without it), so keep one home per checkout.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

QUERY = "door creak"
WARMUP = "thunder rumble"
NOT_FUNCTIONS = frozenset({"<module>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})


@dataclass
class FileWalk:
    """A walk through files: its stops (a stay in one file), merged from a sequence of files."""

    stops: list[str]

    @classmethod
    def of(cls, files: list[str]) -> FileWalk:
        merged: list[str] = []
        for f in files:
            if not merged or merged[-1] != f:
                merged.append(f)
        return cls(merged)

    @property
    def files(self) -> int:
        return len(set(self.stops))

    @property
    def returns(self) -> int:
        return len(self.stops) - self.files

    def most_entered(self) -> tuple[str, int]:
        counts = Counter(self.stops).most_common(1)
        return counts[0] if counts else ("", 0)

    def record(self, keep_stops: bool) -> dict:
        top, times = self.most_entered()
        out = {"stops": len(self.stops), "files": self.files, "returns": self.returns,
               "most_entered": top, "most_entered_times": times,
               "entered": dict(Counter(self.stops).most_common())}  # fmt: skip
        if keep_stops:
            out["walk"] = self.stops
        return out


@dataclass
class Walk:
    """One traced call: what it found, its functions, and its reading and run walks."""

    path: str
    call: str
    hits: int
    functions: int
    calls: int
    files: int
    reading: dict
    run: dict
    function_list: list[str] = field(default_factory=list)
    other_threads: int = 0


class Tracer:
    """A sys.setprofile hook: soundseek function calls in order, and the run's file moves."""

    def __init__(self, package: Path, depth: int | None) -> None:
        self.prefix = str(package) + os.sep
        self.root = str(package.parent) + os.sep
        self.depth = depth
        self.calls: list[tuple[str, str]] = []  # (file, qualified name), every call event
        self.moves: list[str] = []  # the innermost soundseek frame's file after each event
        self._files: dict[object, str | None] = {}

    def file_of(self, code) -> str | None:
        """The package-relative file of a code object that counts, else None (cached)."""
        if code not in self._files:
            name = code.co_filename
            ours = name.startswith(self.prefix) and code.co_name not in NOT_FUNCTIONS
            self._files[code] = name[len(self.root) :] if ours else None
        return self._files[code]

    def _innermost(self, frame) -> tuple[str | None, int]:
        """The file of the innermost soundseek frame from `frame` out, and how many there are."""
        rel, depth = None, 0
        while frame is not None:
            here = self.file_of(frame.f_code)
            if here is not None:
                rel, depth = rel or here, depth + 1
            frame = frame.f_back
        return rel, depth

    def _move(self, rel: str | None, depth: int) -> None:
        if rel is not None and (self.depth is None or depth <= self.depth):
            self.moves.append(rel)

    def __call__(self, frame, event: str, _arg) -> None:
        if event not in ("call", "return") or self.file_of(frame.f_code) is None:
            return
        if event == "call":
            rel, depth = self._innermost(frame)
            if self.depth is None or depth <= self.depth:
                self.calls.append((rel, frame.f_code.co_qualname))
            self._move(rel, depth)
        else:
            self._move(*self._innermost(frame.f_back))


def trace(package: Path, depth: int | None, label: str, call: str, fn: Callable) -> Walk:
    """Run `fn()` under the tracer; its walks."""
    import threading

    tracer, elsewhere = Tracer(package, depth), Counter()

    def other_thread(frame, event, _arg):
        if event == "call" and tracer.file_of(frame.f_code) is not None:
            elsewhere[threading.get_ident()] += 1

    threading.setprofile(other_thread)
    sys.setprofile(tracer)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    first = list(dict.fromkeys(tracer.calls))  # each function once, in the order first called
    reading = FileWalk.of([f for f, _ in first])
    return Walk(label, call, len(getattr(result, "hits", None) or []), len(first),
                len(tracer.calls), reading.files, reading.record(True),
                FileWalk.of(tracer.moves).record(False), [f"{f}:{q}" for f, q in first],
                sum(elsewhere.values()))  # fmt: skip


def test_module(name: str):
    """A test helper module of the traced checkout (tests/NAME.py, or wherever under tests/
    a later layout put it)."""
    import importlib

    import soundseek

    tests = Path(soundseek.__file__).resolve().parents[1] / "tests"
    found = sorted(tests.rglob(f"{name}.py"), key=lambda p: len(p.parts))
    if not found:
        raise SystemExit(f"no {name}.py under {tests}")
    parts = found[0].relative_to(tests.parent).with_suffix("").parts
    return importlib.import_module(".".join(parts))


def build(home: Path, embedder: str) -> None:
    """The tests' mixed library indexed into `home` with `embedder` (see --embedder)."""
    from soundseek.app import App
    from soundseek.paths import app_paths

    paths = app_paths(home).ensure()
    if embedder == "tiny":
        folder = home.parent / f"{home.name}-model" / "tiny"
        model = test_module("tinyclap").build_tiny_clap(folder)
        _models(App.open(paths)).import_model(str(model), "tiny")
    library = test_module("audiofiles").make_library(home.parent / f"{home.name}-lib")
    app = App.open(paths)
    roots = app if callable(app.roots) else app.roots  # a tree before app.roots: App's own
    roots.add_root(str(library["door"].parents[1]))
    load(app, embedder)
    for _ in app.index(None, embed=embedder != "none"):
        pass
    app.close()
    (home.parent / f"{home.name}-walk.json").write_text(json.dumps({"embedder": embedder}))


def load(app, embedder: str) -> None:
    """The model as a search sees it: loaded (tiny), set (fake), or none (then the index is
    opened, so that `search` goes the full way)."""
    if embedder == "tiny":
        _models(app).load_model()
    elif embedder == "fake":
        _models(app).embedder = test_module("fakeembed").BandEmbedder()
    else:
        app.library()


def _models(app):
    """`app.models`, or the App itself in a tree from before it handed models out."""
    return getattr(app, "models", app)


def walks(home: Path, package: Path, embedder: str, depth: int | None) -> list[Walk]:
    """The full and the instant path's walks of QUERY, each after a warm-up query."""
    from soundseek.app import App
    from soundseek.paths import app_paths

    paths = app_paths(home)
    app = App.open(paths)
    load(app, embedder)
    app.search(WARMUP)
    out = [trace(package, depth, "full", f"App.search({QUERY!r})", lambda: app.search(QUERY))]
    app.close()
    app = App.open(paths)
    instant = getattr(app, "quick_search", None)
    if "loads_model" in inspect.signature(app.search).parameters:  # the shell's call since
        instant = partial(app.search, loads_model=True)  # search.routing plans the way
        instant(WARMUP)
        call = f"App.search({QUERY!r}, loads_model=True)"
    elif instant is not None:
        instant(WARMUP)
        call = f"App.quick_search({QUERY!r})"
    else:
        app.search(WARMUP)
        app.close()
        app = App.open(paths)
        instant, call = app.search, f"App.search({QUERY!r}), no model"
    out.append(trace(package, depth, "instant", call, lambda: instant(QUERY)))
    app.close()
    return out


def summary(tree: Path, embedder: str, result: list[Walk]) -> str:
    lines = [f"{tree}: query {QUERY!r}, embedder {embedder}"]
    for w in result:
        r, run = w.reading, w.run
        lines += [
            f"  {w.path}: {w.call} -> {w.hits} hits",
            f"    {w.functions} functions ({w.calls} calls) in {w.files} files",
            f"    reading walk: {r['stops']} stops in {r['files']} files, {r['returns']} returns "
            f"to a file already left; most entered {r['most_entered']} "
            f"({r['most_entered_times']} times)",
            f"    run walk: {run['stops']} stops, {run['returns']} returns; most entered "
            f"{run['most_entered']} ({run['most_entered_times']} times)",
        ]
        if w.other_threads:
            lines.append(f"    (other threads ran {w.other_threads} soundseek calls, not counted)")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1],
                    help="the checkout to trace (default: this one)")  # fmt: skip
    ap.add_argument("--home", type=Path, help="a library home to reuse (built there if empty)")
    ap.add_argument("--embedder", choices=["tiny", "fake", "none"], default="tiny",
                    help="the model the library is indexed and searched with")  # fmt: skip
    ap.add_argument("--depth", type=int, help="count calls at most N soundseek frames deep")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of the summary")
    ap.add_argument("--verbose", action="store_true", help="also the reading walk, function list")
    args = ap.parse_args()
    tree = args.tree.resolve()
    sys.path.insert(0, str(tree))
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    scratch = None if args.home else tempfile.TemporaryDirectory(prefix="walk-query-")
    home = (args.home or Path(scratch.name) / "home").resolve()
    try:
        return run(args, tree, home)
    finally:
        if scratch is not None:
            scratch.cleanup()


def run(args: argparse.Namespace, tree: Path, home: Path) -> int:
    """Build the library if `home` is empty, trace, print."""
    os.environ["SOUNDSEEK_HOME"] = str(home)
    import soundseek

    package = Path(soundseek.__file__).resolve().parent
    if package.parent != tree:
        print(f"soundseek imported from {package}, not {tree}", file=sys.stderr)
        return 2
    if not home.is_dir() or not any(home.iterdir()):
        build(home, args.embedder)
    marker = home.parent / f"{home.name}-walk.json"
    if marker.exists() and json.loads(marker.read_text())["embedder"] != args.embedder:
        print(f"{home} was built with another --embedder ({marker})", file=sys.stderr)
        return 2
    result = walks(home, package, args.embedder, args.depth)
    if args.json:
        print(json.dumps({"tree": str(tree), "query": QUERY, "embedder": args.embedder,
                          "depth": args.depth, "walks": [asdict(w) for w in result]}))  # fmt: skip
        return 0
    print(summary(tree, args.embedder, result))
    if args.verbose:
        for w in result:
            print(f"\n{w.path} reading walk: " + " > ".join(w.reading["walk"]))
            print("\n".join(f"  {f}" for f in w.function_list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
