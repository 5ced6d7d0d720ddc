"""A decoder that crashes or hangs on one file costs that file, never the run or the process:
decoding runs in worker processes, and a dead or stuck worker is replaced."""

from __future__ import annotations

import os
import signal
import time

import soundfile as sf

from soundseek.ingest import decoders
from soundseek.ingest.decoders import DecodePool
from soundseek.ingest.messages import DecodedWindow, FileDone, FileFailed
from tests.audiofiles import noise


def _library(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    files = {}
    for name, seconds in (("a.wav", 1.0), ("victim.wav", 600.0), ("z.wav", 2.0)):
        sf.write(lib / name, noise(seconds, seed=len(name), amp=0.05), 8000)
        files[name] = str(lib / name)
    return files


def _run(pool: DecodePool, victim: str, on_victim) -> dict[str, object]:
    """Iterate the pool; the first time the victim is being decoded, do something to it."""
    outcome: dict[str, object] = {}
    done = False
    try:
        for event in pool:
            if isinstance(event, DecodedWindow) and event.digest == victim and not done:
                done = True
                on_victim(pool.running()[victim])
            if isinstance(event, FileDone | FileFailed):
                outcome[event.digest] = event
    finally:
        pool.close()
    return outcome


def test_a_decoder_crash_costs_only_that_file(tmp_path):
    files = _library(tmp_path)
    pool = DecodePool(((n, p) for n, p in files.items()), workers=1, spec=None)
    outcome = _run(pool, "victim.wav", lambda pid: os.kill(pid, signal.SIGKILL))
    assert isinstance(outcome["victim.wav"], FileFailed)
    assert "crashed" in outcome["victim.wav"].reason
    assert isinstance(outcome["a.wav"], FileDone) and isinstance(outcome["z.wav"], FileDone)


def decode_or_get_stuck(digest, path, logmel, send):
    """Runs in the worker: like the real decoder, but one file never finishes (a decoder
    stuck on a dead network share)."""
    if digest == "stuck.wav":
        time.sleep(3600)
    return decoders.decode_file(digest, path, logmel, send)


def test_a_hung_decoder_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(decoders, "HANG_SECONDS", 2.0)
    files = _library(tmp_path)
    jobs = [("a.wav", files["a.wav"]), ("stuck.wav", files["z.wav"]), ("z.wav", files["z.wav"])]
    pool = DecodePool(iter(jobs), workers=1, spec=None, decode=decode_or_get_stuck)
    outcome = _run(pool, "none", lambda pid: None)
    assert "hung" in outcome["stuck.wav"].reason
    assert isinstance(outcome["a.wav"], FileDone) and isinstance(outcome["z.wav"], FileDone)


def test_workers_leave_when_the_indexer_is_gone(tmp_path):
    """A worker's parent killed outright: the worker notices and exits (no orphans)."""
    files = _library(tmp_path)
    code = (
        "import sys, time\n"
        "from soundseek.ingest.decoders import DecodePool\n"
        f"pool = DecodePool(iter([('v', {files['victim.wav']!r})]), workers=1, spec=None)\n"
        "it = iter(pool); next(it)\n"
        "print(list(pool.running().values())[0], flush=True)\n"
        "time.sleep(60)\n"
    )
    assert _worker_outlives_killed_parent(code) is False


def test_metadata_readers_leave_when_the_indexer_is_gone(tmp_path):
    """The metadata pool's workers hold both ends of their pipes: killed outright, the indexer
    must not leave them behind blocked on a result nobody reads."""
    files = _library(tmp_path)
    code = (
        "import os, sys, time\n"
        "from soundseek.files.scanner import ScannedFile\n"
        "from soundseek.ingest import scanning\n"
        "scanning.INLINE_FILES = 0\n"
        "readers = scanning.MetadataReaders(1)\n"
        f"f = ScannedFile('r', 'a.wav', {files['a.wav']!r}, 1, 1)\n"
        "readers.submit([f] * 3000)\n"  # results larger than a pipe's buffer, never read
        "time.sleep(3)\n"
        "print(list(readers._pool._processes)[0], flush=True)\n"
        "time.sleep(60)\n"
    )
    assert _worker_outlives_killed_parent(code) is False


def _worker_outlives_killed_parent(code: str, grace: float = 20.0) -> bool:
    """Run `code` (it prints a worker's pid), SIGKILL it, and say whether the worker is
    still alive after `grace` seconds (it is then killed, so no test leaves it behind)."""
    import subprocess
    import sys

    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    worker_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _alive(worker_pid):
        time.sleep(0.2)
    alive = _alive(worker_pid)
    if alive:
        os.kill(worker_pid, signal.SIGKILL)
    return alive


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie waiting for init counts as gone
        return fh.read().split()[2] != "Z"
