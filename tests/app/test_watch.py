"""Keeping a library current without a window: the keeper loop and `soundseek watch`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import soundfile as sf

from soundseek.app import App
from soundseek.app.watching import LibraryKeeper
from soundseek.index.places.lock import WriterLock
from soundseek.index.store import Store
from tests.audiofiles import noise, tone
from tests.fakeembed import BandEmbedder


def wait_for(predicate, timeout=30.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def status_of(home, path):
    rec = Store(home.store_dir).record_at(str(path))
    return rec.status.value if rec else None


class KeeperThread:
    """Runs the keeper loop like `soundseek watch` does, collecting its events."""

    def __init__(self, app: App, **kw) -> None:
        self.keeper = LibraryKeeper(app, load_model=False, debounce=0.3, **kw)
        self.events = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for e in self.keeper.run():
            self.events.append(e)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def stop(self) -> None:
        self.keeper.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def test_keeper_indexes_new_and_forgets_deleted_files(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "first.wav", tone(0.5, 300), 48000)
    app = App.open(home)
    app.add_root(str(lib))
    app.embedder = BandEmbedder()
    k = KeeperThread(app)
    try:
        wait_for(lambda: status_of(home, lib / "first.wav") == "indexed", what="first index")
        sf.write(lib / "dropped in.wav", noise(0.5), 48000)
        wait_for(lambda: status_of(home, lib / "dropped in.wav") == "indexed", what="new file")
        (lib / "first.wav").unlink()
        wait_for(lambda: status_of(home, lib / "first.wav") is None, what="deleted file gone")
    finally:
        k.stop()
    assert k.kinds()[0] == "watching" and "failed" not in k.kinds()


def test_keeper_follows_folders_added_and_drives_plugged_in(home, tmp_path):
    a, b = tmp_path / "a", tmp_path / "drive"
    a.mkdir()
    b.mkdir()
    sf.write(b / "on the drive.wav", tone(0.5, 900), 48000)
    app = App.open(home)
    app.add_root(str(a))
    app.add_root(str(b))
    parked = tmp_path / "unplugged"
    os.rename(b, parked)
    app.embedder = BandEmbedder()
    k = KeeperThread(app)
    try:
        wait_for(lambda: "finished" in k.kinds(), what="first run")
        assert any("1 offline" in e.message for e in k.events)
        os.rename(parked, b)  # the drive comes back
        wait_for(lambda: status_of(home, b / "on the drive.wav") == "indexed", what="drive")
        c = tmp_path / "added later"
        c.mkdir()
        sf.write(c / "late.wav", tone(0.5, 1500), 48000)
        App.open(home).add_root(str(c))  # another process (the CLI) adds a folder
        wait_for(lambda: status_of(home, c / "late.wav") == "indexed", what="added folder")
    finally:
        k.stop()


def test_keeper_waits_for_another_writer_instead_of_failing(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "a.wav", tone(0.5), 48000)
    app = App.open(home)
    app.add_root(str(lib))
    with WriterLock(home.store_dir / "writer.lock"):
        k = KeeperThread(app)
        wait_for(lambda: "busy" in k.kinds(), what="busy event")
    k.keeper.request()
    wait_for(lambda: status_of(home, lib / "a.wav") == "pending", what="index after the lock")
    k.stop()
    assert "failed" not in k.kinds()


def test_soundseek_watch_indexes_a_dropped_file_until_stopped(home, installed_tiny, tmp_path):
    lib = tmp_path / "studio drive"
    lib.mkdir()
    sf.write(lib / "existing.wav", tone(1.0, 440), 48000)
    env = {**os.environ, "SOUNDSEEK_HOME": str(home.data_dir.parent), "PYTHONUNBUFFERED": "1"}
    cli = [sys.executable, "-m", "soundseek"]
    assert subprocess.run([*cli, "add", str(lib)], env=env, capture_output=True).returncode == 0
    proc = subprocess.Popen([*cli, "watch"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: status_of(home, lib / "existing.wav") == "indexed", 60, "first index")
        sf.write(lib / "glass break.wav", noise(1.0, seed=3), 48000)
        wait_for(lambda: status_of(home, lib / "glass break.wav") == "indexed", 60, "new file")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "watching 1 folders (native)" in err
    found = subprocess.run([*cli, "search", "glass", "--json"], env=env, capture_output=True)
    assert b"glass break.wav" in found.stdout
