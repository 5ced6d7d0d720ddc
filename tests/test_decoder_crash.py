"""A file that kills the process while decoding must not stall indexing forever."""

from __future__ import annotations

import os
import subprocess
import sys

import soundfile as sf

from soundseek.core.store import Store
from tests.audiofiles import noise
from tests.fakeembed import BandEmbedder  # noqa: F401 - imported by the child process

CHILD = """
import os, sys
sys.path.insert(0, {root!r})
import soundseek.core.indexer as ix
from soundseek.core.paths import app_paths
from soundseek.core.store import Store
from tests.fakeembed import BandEmbedder
if {crash}:
    real = ix.iter_windows
    def crashing(path, env=None):
        if "crasher" in path:
            os.abort()  # what a segfault in a native decoder does to the process
        return real(path, env)
    ix.iter_windows = crashing
with Store(app_paths().store_dir, writable=True) as store:
    for _ in ix.run_index(store, ix.IndexOptions([{lib!r}], batch_size=1), BandEmbedder()):
        pass
"""


def _run(home, lib, crash: bool) -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "SOUNDSEEK_HOME": str(home.data_dir.parent)}
    code = CHILD.format(root=root, crash=crash, lib=str(lib))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True).returncode


def test_decoder_crash_twice_marks_the_file_and_the_rest_finishes(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("a.wav", "crasher.wav", "z.wav"):
        sf.write(lib / name, noise(1.0, seed=len(name)), 48000)
    assert _run(home, lib, crash=True) != 0
    assert _run(home, lib, crash=True) != 0, "one strike is not enough to give up on a file"
    assert _run(home, lib, crash=False) == 0
    rows = {os.path.basename(r["path"]): r for r in Store(home.store_dir).files()}
    assert rows["crasher.wav"]["status"] == "error"
    assert "decoder crashed on this file 2 times" in rows["crasher.wav"]["error"]
    assert rows["a.wav"]["status"] == rows["z.wav"]["status"] == "indexed"
    sf.write(lib / "crasher.wav", noise(2.0, seed=9), 48000)
    assert _run(home, lib, crash=False) == 0
    assert Store(home.store_dir).files("path LIKE '%crasher.wav'")[0]["status"] == "indexed"
