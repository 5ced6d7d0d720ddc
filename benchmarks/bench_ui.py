"""UI responsiveness: start-up, search-as-you-type latency, event-loop stalls while indexing.

Run offscreen: QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_ui --arch unfused
A stall is the longest gap between ticks of a 5 ms QTimer on the UI thread (ideal: ~5 ms).

`--startup N` times N cold starts of the real app (`soundseek-app`, no --silent: the sound
card path, which falls back when there is none) from process launch to: window shown, index
open, first results of a query given on the command line; with an empty library and with a
10k-file metadata index. `--vs TREE` runs another checkout (e.g. the previous release, with
`git worktree add /tmp/prev <commit>`) in the same run on the same library.
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
import soundfile as sf

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class StallMeter:
    """Records gaps between timer ticks on the UI thread."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer(interval=interval_ms, timeout=self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def take(self) -> dict:
        g = np.asarray(self.gaps) * 1000
        self.gaps = []
        return {"max_ms": float(g.max()), "p99_ms": float(np.percentile(g, 99)), "ticks": len(g)}


MILESTONES = ("window shown", "index open", "first results")


def cold_start(home: Path, tree: Path, query: str = "", silent: bool = False) -> dict:
    """Seconds from launching a fresh process to each milestone line the app prints."""
    env = {**os.environ, "SOUNDSEEK_HOME": str(home), "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-m", "soundseek.ui.launch", "--quit-after", "6000"]
    cmd += ["--search", query] if query else []
    cmd += ["--silent"] if silent else []
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=tree, stderr=subprocess.PIPE, text=True)
    seen: dict[str, float] = {}  # the previous release prints only "window shown" (and the
    # second after its import of the app module, not after launch: this counts from launch)
    for line in proc.stderr:
        for m in MILESTONES:
            if line.startswith(m) and m not in seen:
                seen[m] = time.perf_counter() - t
    proc.wait(timeout=120)
    return seen


def build_metadata_library(root: Path, home: Path, tree: Path, n: int) -> float:
    """n short WAVs in 100 folders, indexed metadata-only with that tree's own CLI."""
    rng = np.random.default_rng(0)
    words = ["door", "creak", "rain", "wind", "glass", "steps", "engine", "bird", "fire", "hit"]
    for i in range(n):
        folder = root / f"{words[i % 10]}_{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{words[i % 7]} {words[(i // 7) % 10]} {i:05d}.wav"
        sf.write(folder / name, (0.1 * rng.standard_normal(480)).astype(np.float32), 48000)
    env = {**os.environ, "SOUNDSEEK_HOME": str(home), "PYTHONPATH": str(tree)}
    cli = [sys.executable, "-m", "soundseek"]
    subprocess.run([*cli, "add", str(root)], env=env, cwd=tree, check=True, capture_output=True)
    t = time.perf_counter()
    subprocess.run([*cli, "index", "--no-embed"], env=env, cwd=tree, capture_output=True)
    return time.perf_counter() - t


def startup(runs: int, files: int, trees: dict[str, Path]) -> dict:
    result: dict = {"runs": runs, "files": files}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, tree in trees.items():
            home = tmp / f"home-{name}"
            index_s = build_metadata_library(tmp / f"lib-{name}", home, tree, files)
            old = name != "this"  # before 0.2: it crashed without a sound card, had no --search
            query = "" if old else "door creak"
            empty = [cold_start(tmp / f"empty-{name}", tree, "", old) for _ in range(runs)]
            full = [cold_start(home, tree, query, old) for _ in range(runs)]
            result[name] = {
                "metadata_index_s": index_s,
                "empty_library": _medians(empty),
                f"{files}_files": _medians(full),
            }
            print(json.dumps({name: result[name]}), flush=True)
    return result


def _medians(samples: list[dict]) -> dict:
    return {
        m: round(float(np.median([s[m] for s in samples if m in s])), 3)
        for m in MILESTONES
        if any(m in s for s in samples)
    }


def pump(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["unfused", "tiny"], default="unfused")
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--startup", type=int, metavar="RUNS", help="time cold starts instead")
    ap.add_argument("--library-files", type=int, default=10_000)
    ap.add_argument("--vs", type=Path, metavar="TREE", help="another checkout to compare")
    args = ap.parse_args()
    if args.startup:
        trees = {"this": Path.cwd(), **({"vs": args.vs} if args.vs else {})}
        result = startup(args.startup, args.library_files, trees)
        Path("bench-out").mkdir(exist_ok=True)
        Path("bench-out/startup.json").write_text(json.dumps(result, indent=2))
        return
    result = {}
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from benchmarks.bench_index import build_full_model, make_library
    from soundseek.app import App
    from soundseek.audio.playback import NullOutput
    from soundseek.paths import app_paths
    from soundseek.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["SOUNDSEEK_HOME"] = str(tmp / "home")
        ss = App.open(app_paths())
        ss.import_model(str(build_full_model(tmp / "model", args.arch)), "bench")
        (tmp / "lib").mkdir()
        make_library(tmp / "lib", args.files)
        app = QApplication.instance() or QApplication([])
        win = MainWindow(ss, NullOutput)
        win.show()
        meter = StallMeter()
        win.start_background()
        win.library.add_folder(str(tmp / "lib"))
        while ss.embedder is None or not win.keeper.running:
            pump(app, 0.05)
        meter.take()
        while win.keeper.running:
            pump(app, 0.05)
        result["stall_while_indexing"] = meter.take()
        latencies = []
        for word in ("file", "door creak slow", "distant thunder", "rain", "footsteps gravel"):
            win.search_field.clear()
            win.search.last_result = None
            QTest.keyClicks(win.search_field, word)
            typed = time.perf_counter()
            while win.search.last_result is None:
                pump(app, 0.001)
            latencies.append((time.perf_counter() - typed) * 1000)
        result["search_after_last_key_ms"] = {
            "median": float(np.median(latencies)), "max": float(np.max(latencies)),
            "debounce_ms": 150, "note": "includes the 150 ms debounce after the last keystroke",
        }  # fmt: skip
        meter.take()
        QTest.keyClick(win.search_field, Qt.Key.Key_Down)  # into the results; audition starts
        for _ in range(10):
            QTest.keyClick(win.table, Qt.Key.Key_Down)
            pump(app, 0.15)
        result["stall_while_auditioning"] = meter.take()
        win.close()
    print(json.dumps(result, indent=2))
    Path("bench-out").mkdir(exist_ok=True)
    Path("bench-out/ui.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
