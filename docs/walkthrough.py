"""A new user's first session, driven on a real (Xvfb) window, with screenshots.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/walkthrough.py
Uses a generated demo library and the tiny test model (real weights need a download).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def demo_library(folder: Path) -> None:
    """UCS-named sounds with distinct shapes so waveforms look like what they are."""
    from tests.audiofiles import bext_bytes, ixml_bytes, write_bwf

    rng = np.random.default_rng(0)
    sr = 48000

    def env(n, attack, decay):
        t = np.arange(n) / sr
        return np.minimum(t / attack, 1) * np.exp(-t / decay)

    sounds = {
        "DOORWood_Creak Slow Old Barn_JD_DEMO_01.wav": (
            "Old barn door creaks open slowly",
            4.0,
            "creak",
        ),
        "DOORWood_Creak Short_JD_DEMO_02.wav": ("Short wooden door creak", 1.5, "creak"),
        "DOORMetl_Slam Heavy_JD_DEMO_03.wav": ("Heavy metal door slam", 2.0, "hit"),
        "WTHR_Thunder Distant Roll_JD_DEMO_04.wav": ("Distant thunder roll", 14.0, "rumble"),
        "WTHR_Thunder Close Crack_JD_DEMO_05.wav": ("Close thunder crack", 6.0, "hit"),
        "RAIN_Light On Roof_JD_DEMO_06.wav": ("Light rain on a tin roof", 20.0, "noise"),
        "FOLYFeet_Footsteps Gravel_JD_DEMO_07.wav": ("Footsteps on gravel", 5.0, "steps"),
        "GLASBrk_Bottle Smash_JD_DEMO_08.wav": ("Glass bottle smash", 2.5, "hit"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, (desc, dur, kind) in sounds.items():
        n = int(dur * sr)
        t = np.arange(n) / sr
        if kind == "creak":
            x = np.sin(2 * np.pi * (180 + 60 * np.sin(2 * np.pi * 3 * t)) * t) * (
                0.3 + 0.3 * rng.random(n)
            )
        elif kind == "hit":
            x = rng.standard_normal(n) * env(n, 0.002, 0.25)
        elif kind == "rumble":
            x = np.convolve(rng.standard_normal(n), np.ones(200) / 20, "same") * env(n, 1.5, 5.0)
        elif kind == "steps":
            x = sum(
                rng.standard_normal(n)
                * np.exp(-np.maximum(t - k * 0.55, 0) / 0.05)
                * (t >= k * 0.55)
                for k in range(8)
            )
        else:
            x = rng.standard_normal(n) * 0.2
        x = (0.8 * x / (np.abs(x).max() + 1e-9)).astype(np.float32)
        write_bwf(
            folder / name,
            x,
            sr,
            bext=bext_bytes(desc, "Demo"),
            ixml=ixml_bytes({"LIBRARY": "Demo"}),
        )


def wait(app, cond, timeout=60.0) -> None:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="soundseek-demo-"))
    os.environ["SOUNDSEEK_HOME"] = str(home)
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from soundseek.app import App
    from soundseek.audio.playback import NullOutput
    from soundseek.ui.main_window import MainWindow
    from soundseek.ui.theme import apply_theme
    from tests.tinyclap import build_tiny_clap

    ss = App.open()
    ss.import_model(str(build_tiny_clap(home / "build" / "tiny")), "tiny")
    demo_library(home / "Library" / "Demo SFX")

    app = QApplication(sys.argv[:1])
    apply_theme(app, "dark")
    t0 = time.perf_counter()
    win = MainWindow(ss, NullOutput)
    win.resize(1400, 860)
    win.show()
    app.processEvents()
    print(f"first window after {time.perf_counter() - t0:.2f} s (imports excluded)")
    win.start_background()
    win.library.add_folder(str(home / "Library"))
    wait(app, lambda: win.keeper.running)
    OUT.mkdir(parents=True, exist_ok=True)
    wait(app, lambda: win.library.first_run_done and not win.keeper.running and ss.embedder, 120)
    QTest.keyClicks(win.search_field, "door creak")
    wait(app, lambda: win.search.last_result is not None and win.search_runner.idle())
    QTest.keyClick(win.search_field, Qt.Key.Key_Down)
    wait(app, lambda: win.player.playing, 10)
    QTest.keyClick(win.table, Qt.Key.Key_Down)
    wait(app, lambda: win.preview.wave is not None and win.selection.current_hit() is not None, 10)
    # the envelope of this hit, not the previous one
    current = win.selection.current_hit().file.duration
    wait(app, lambda: abs(win.preview.wave.duration - current) < 1e-6, 10)
    d = win.preview.wave.duration
    win.preview.wave.set_selection(d * 0.2, d * 0.6)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    mime = win.proxy.mimeData([win.table.currentIndex()])
    print("drag payload:", [u.toString() for u in mime.urls()])
    rendered = mime.urls()[0].toLocalFile()
    info = sf.info(rendered)
    print(f"rendered region: {info.duration:.3f} s at {info.samplerate} Hz, {info.channels} ch")
    shot = app.primaryScreen().grabWindow(0)
    target = OUT / "main-window.png"
    shot.save(str(target))
    print(f"screenshot: {target} ({shot.width()}x{shot.height()})")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
