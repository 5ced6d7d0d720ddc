"""Killing the indexer at any moment, then re-running, leaves exactly one row per file."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time

import soundfile as sf

from soundseek.audio.decode import window_count
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_INDEXED
from soundseek.index.tables.schema import WINDOWS
from tests.audiofiles import noise

N_FILES = 60


def _cli(home, *args, **kw):
    env = {**os.environ, "SOUNDSEEK_HOME": str(home.data_dir.parent)}
    return subprocess.Popen([sys.executable, "-m", "soundseek", *args], env=env, **kw)


def test_kill_mid_index_then_resume(home, installed_tiny, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(N_FILES):
        sf.write(lib / f"take {i:02d}.wav", noise(10.5 + i % 3, seed=i), 48000)  # 2 windows
    assert _cli(home, "add", str(lib), stdout=subprocess.DEVNULL).wait() == 0

    # one decoder: slow enough that the first commit holds only part of the library
    proc = _cli(
        home, "index", "--workers", "1", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    reader = Store(home.store_dir)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if reader.count(ONLY_INDEXED) > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the indexer finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = Store(home.store_dir).count(ONLY_INDEXED)
    assert 0 < partial < N_FILES

    assert _cli(home, "index", stdout=subprocess.DEVNULL).wait() == 0
    store = Store(home.store_dir)
    rows = store.records()
    assert len(rows) == N_FILES == len({r.path for r in rows})
    assert all(r.status == "indexed" for r in rows)
    windows = store.table(WINDOWS).to_arrow().select(["content_hash", "idx"]).to_pylist()
    pairs = collections.Counter((w["content_hash"], w["idx"]) for w in windows)
    assert max(pairs.values()) == 1, "no window was written twice"
    for r in rows:
        got = sorted(i for h, i in pairs if h == r.content_hash)
        assert got == list(range(window_count(r.duration))) and r.n_windows == len(got)
