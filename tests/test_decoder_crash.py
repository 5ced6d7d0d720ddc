"""A file that kills the process while decoding must not stall indexing forever."""

from __future__ import annotations

import os
import subprocess
import sys

import soundfile as sf

from soundseek.index.store import Store
from tests.audiofiles import noise
from tests.fakeembed import BandEmbedder  # noqa: F401 - imported by the child process

CHILD = """
import os, sys
sys.path.insert(0, {root!r})
import soundseek.indexing.pipeline as ix
from soundseek.app import App
from tests.fakeembed import BandEmbedder
if {crash}:
    real = ix.iter_windows
    def crashing(path, env=None):
        if "crasher" in path:
            os.abort()  # what a segfault in a native decoder does to the process
        return real(path, env)
    ix.iter_windows = crashing
app = App.open()
if not app.roots():
    app.add_root({lib!r})
app.embedder = BandEmbedder()
for _ in app.index(batch_size=1):
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
    rows = {r.filename: r for r in Store(home.store_dir).records()}
    assert rows["crasher.wav"].status == "error"
    assert "decoder crashed on this file 2 times" in rows["crasher.wav"].error
    assert rows["a.wav"].status == rows["z.wav"].status == "indexed"
    sf.write(lib / "crasher.wav", noise(2.0, seed=9), 48000)
    assert _run(home, lib, crash=False) == 0
    assert Store(home.store_dir).record_at(str(lib / "crasher.wav")).status == "indexed"
