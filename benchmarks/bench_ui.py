"""UI responsiveness: first window, search-as-you-type latency, event-loop stalls while indexing.

Run offscreen: QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_ui --arch unfused
A stall is the longest gap between ticks of a 5 ms QTimer on the UI thread (ideal: ~5 ms).
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


def first_window_seconds() -> float:
    """A fresh process: from interpreter start to the window being shown (app prints it)."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SOUNDSEEK_HOME": home}
        t = time.perf_counter()
        cmd = [sys.executable, "-m", "soundseek.ui.app", "--quit-after", "200", "--silent"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        total = time.perf_counter() - t
    shown = [ln for ln in out.stderr.splitlines() if "window shown after" in ln]
    return float(shown[0].split()[-2]) if shown else total


def pump(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["unfused", "tiny"], default="unfused")
    ap.add_argument("--files", type=int, default=40)
    args = ap.parse_args()
    result = {"first_window_s": first_window_seconds()}
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from soundseek.core.models import import_model
    from soundseek.core.paths import app_paths
    from soundseek.core.playback import NullOutput, Player
    from soundseek.core.settings import load_settings, save_settings

    from benchmarks.bench_index import build_full_model, make_library
    from soundseek.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["SOUNDSEEK_HOME"] = str(tmp / "home")
        paths = app_paths().ensure()
        import_model(paths, build_full_model(tmp / "model", args.arch), "bench")
        s = load_settings(paths)
        s.model = "bench"
        save_settings(paths, s)
        (tmp / "lib").mkdir()
        make_library(tmp / "lib", args.files)
        app = QApplication.instance() or QApplication([])
        win = MainWindow(paths, load_settings(paths), Player(NullOutput()))
        win.show()
        meter = StallMeter()
        win.start_background()
        win.add_folder(str(tmp / "lib"))
        while win.searcher.embedder is None or not win.index_ctl.running:
            pump(app, 0.05)
        meter.take()
        while win.index_ctl.running:
            pump(app, 0.05)
        result["stall_while_indexing"] = meter.take()
        latencies = []
        for word in ("file", "door creak slow", "distant thunder", "rain", "footsteps gravel"):
            win.search_field.clear()
            win.last_result = None
            QTest.keyClicks(win.search_field, word)
            typed = time.perf_counter()
            while win.last_result is None:
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
