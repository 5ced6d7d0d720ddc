"""Copies of one sound acted on through the application: hidden, moved, trashed, refused when
changed, and undone byte for byte. One small library indexed once (no model: identical audio
is known from the content hash); every test leaves it as it found it, through an undo."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from soundseek.app import App
from soundseek.paths import app_paths
from tests.audiofiles import noise


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    """lib/A/hit.wav (the oldest: the keeper), its copies B/hit.wav and C/hit.wav, and a
    second group A/air.wav + B/air.wav; the system trash under the test's own folder."""
    base = tmp_path_factory.mktemp("copies")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOUNDSEEK_HOME", str(base / "home"))
        mp.setenv("XDG_DATA_HOME", str(base / "xdg"))
        for name, seed, copies in (("hit.wav", 1, ("B", "C")), ("air.wav", 2, ("B",))):
            first = base / "lib" / "A" / name
            first.parent.mkdir(parents=True, exist_ok=True)
            sf.write(first, noise(0.05, seed=seed), 48000)
            os.utime(first, ns=(1_000_000_000, 1_000_000_000))
            for folder in copies:
                (base / "lib" / folder).mkdir(exist_ok=True)
                shutil.copy(first, base / "lib" / folder / name)
        app = App.open(app_paths().ensure())
        app.roots.add_root(str(base / "lib"))
        list(app.index(embed=False))
        yield base, app


def _bytes(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*.wav"))}


def test_groups_hide_and_undo(lib):
    base, app = lib
    groups = app.copies.groups(level="identical")
    assert [(len(g.copies), os.path.basename(g.keeper.path)) for g in groups] == [
        (3, "hit.wav"), (2, "air.wav")]  # fmt: skip
    assert all(g.keeper.path.startswith(str(base / "lib" / "A")) for g in groups)
    [row] = app.search("hit").hits
    assert len(row.copies) == 2, "copies collapse into the keeper's row"
    outcomes = list(app.copies.apply("hide", groups))
    assert {o.status for o in outcomes} == {"done"} and len(outcomes) == 3
    [row] = app.search("hit").hits
    assert row.path == groups[0].keeper.path and not row.copies, "hidden from results"
    assert app.copies.hidden() == {str(base / "lib" / f) for f in ("B/hit.wav", "C/hit.wav",
                                                                   "B/air.wav")}  # fmt: skip
    assert app.changes.last_change().describe() == "copies hidden: 3 files"
    batch, undone = app.changes.undo_last()
    assert batch and all(u.restored for u in undone) and app.copies.hidden() == set()
    assert len(app.search("hit").hits[0].copies) == 2


def test_move_keeps_the_keeper_and_undo_puts_every_file_back(lib):
    base, app = lib
    before = _bytes(base / "lib")
    groups = app.copies.groups(level="identical")
    dest = base / "moved"
    planned = list(app.copies.apply("move", groups, str(dest), dry_run=True))
    assert {o.status for o in planned} == {"planned"} and not dest.exists()
    outcomes = list(app.copies.apply("move", groups, str(dest)))
    assert sorted(os.path.basename(o.new_path) for o in outcomes) == [
        "air.wav", "hit 2.wav", "hit.wav"]  # fmt: skip
    assert sorted(os.listdir(dest)) == ["air.wav", "hit 2.wav", "hit.wav"]
    assert sorted(_bytes(base / "lib")) == ["A/air.wav", "A/hit.wav"], "the keepers stay"
    assert app.copies.groups(level="identical") == [], "the index learnt they left"
    _, undone = app.changes.undo_last()
    assert all(u.restored and u.was for u in undone) and len(undone) == 3
    assert _bytes(base / "lib") == before and os.listdir(dest) == []
    assert len(app.copies.groups(level="identical")) == 2


def test_trash_and_undo_through_the_system_trash(lib):
    base, app = lib
    before = _bytes(base / "lib")
    groups = app.copies.groups(level="identical")[1:]  # air.wav's group
    [o] = app.copies.apply("trash", groups)
    assert o.status == "done" and not os.path.exists(o.path)
    trash = base / "xdg" / "Trash"
    assert os.listdir(trash / "files") == ["air.wav"]
    info = (trash / "info" / "air.wav.trashinfo").read_text()
    assert f"Path={o.path}" in info
    _, [u] = app.changes.undo_last()
    assert u.restored and _bytes(base / "lib") == before
    assert os.listdir(trash / "files") == [] and os.listdir(trash / "info") == []


def test_a_file_changed_after_grouping_is_refused_the_rest_goes_on(lib, tmp_path):
    base, app = lib
    groups = app.copies.groups(level="identical")
    changed = base / "lib" / "B" / "hit.wav"
    st = changed.stat()
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    keeper = base / "lib" / "A" / "air.wav"
    keeper.rename(tmp_path / "air.wav")  # its keeper is gone: its copy must stay
    try:
        outcomes = {o.path: o for o in app.copies.apply("move", groups, str(tmp_path / "d"))}
    finally:
        (tmp_path / "air.wav").rename(keeper)
        os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert "changed since it was indexed" in outcomes[str(changed)].reason
    assert "keeper" in outcomes[str(base / "lib" / "B" / "air.wav")].reason
    assert outcomes[str(base / "lib" / "C" / "hit.wav")].status == "done"
    _, undone = app.changes.undo_last()
    assert [u.path for u in undone] == [str(base / "lib" / "C" / "hit.wav")]


def test_export_csv_and_json(lib, tmp_path):
    _, app = lib
    groups = app.copies.groups(level="identical")
    assert app.copies.export(groups, str(tmp_path / "g.csv")) == 5
    rows = list(csv.DictReader((tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["keeper"] for r in rows[:3]] == ["true", "false", "false"]
    assert rows[0]["samplerate"] == "48000" and rows[0]["group"] == groups[0].id
    assert app.copies.export(groups, str(tmp_path / "g.json")) == 5
    doc = json.loads((tmp_path / "g.json").read_text())
    assert doc["format"] == 1 and doc["groups"][0]["files"][0]["keeper"] is True


def test_undo_takes_the_newer_of_a_write_batch_and_a_copies_batch():
    from soundseek.app.changes import Changes
    from soundseek.app.copies_service import CopiesBatch

    class Writes:
        def last_write(self):
            return "20260101-120000-01767268800000000000-7", 4

        def undo_writes(self):
            return "write", []

    class Copies:
        batch: CopiesBatch | None = None

        def last_action(self):
            return self.batch

        def undo_copies(self):
            return "copies", []

    writes, copies = Writes(), Copies()
    changes = Changes(lambda: writes, lambda: copies)
    assert changes.last_change().describe() == "metadata written into 4 files"
    copies.batch = CopiesBatch("20260101-120001-01767268801000000000-7", "move", 2, "/x")
    assert changes.last_change().describe() == "copies moved: 2 files (to /x)"
    assert changes.undo_last() == ("copies", [])
    copies.batch = CopiesBatch("20251231-120001-01767182401000000000-7", "trash", 1)
    assert changes.undo_last() == ("write", [])
