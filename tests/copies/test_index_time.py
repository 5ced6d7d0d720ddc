"""Copies found by the index run itself: grouped in the app, collapsed in results, kept across
renames, and made for sounds indexed before prints existed."""

from __future__ import annotations

import os

import pytest

from soundseek.index.store import Store
from tests.copies.sounds import RATE, creak, write
from tests.fakeembed import BandEmbedder
from tests.helpers import app_with, index


@pytest.fixture
def lib(tmp_path):
    d = tmp_path / "lib"
    (d / "masters").mkdir(parents=True)
    (d / "previews").mkdir()
    master = creak(8.0, seed=21)
    return {
        "master": write(d / "masters" / "creak master.wav", master, subtype="PCM_24"),
        "mp3ish": write(d / "previews" / "creak preview.ogg", master[4800:] * 0.5,
                        format="OGG", subtype="VORBIS"),  # fmt: skip
        "region": write(d / "previews" / "creak cut.wav", master[2 * RATE : 4 * RATE]),
        "other": write(d / "masters" / "another creak.wav", creak(8.0, seed=22)),
    }


def test_an_index_run_groups_copies_and_search_collapses_them(home, lib):
    """Then: a rename, and an index of the last release (no prints): the next run prints
    the sounds indexed before and finds the copies again under their new names."""
    emb = BandEmbedder()
    events = index(home, [os.path.dirname(os.path.dirname(lib["master"]))], emb)
    assert any(e.phase == "copies" for e in events)
    app = app_with(home, emb)
    (group,) = app.copies.groups(level="recording")
    assert [c.path for c in group.copies] == [lib["master"], lib["mp3ish"]]
    assert group.keeper.keeper and group.level == "recording"
    (wide,) = app.copies.groups(level="contained")
    region = next(c for c in wide.copies if c.path == lib["region"])
    assert region.level == "contained" and abs(region.offset_s - 2.0) < 0.05
    assert app.copies.groups(level="identical") == []
    rows = app.search("creak", limit=10).hits
    shown = {h.path: h for h in rows}
    assert lib["mp3ish"] not in shown and lib["other"] in shown
    assert [c.path for c in shown[lib["master"]].copies] == [lib["mp3ish"]]
    assert len(app.search("creak", limit=10, all_copies=True).hits) == len(rows) + 1

    moved = lib["mp3ish"].replace("creak preview", "renamed preview")
    os.rename(lib["mp3ish"], moved)
    with Store(home.store_dir, writable=True) as store:  # as an index of the last release
        store.table("prints_v3").delete("true")
    (store.place.cache_dir / "prints.sqlite").unlink()
    events = index(home, [], emb)
    assert any(e.phase == "prints" and e.files_total == 4 for e in events), "printed again"
    (group,) = app_with(home, emb).copies.groups(level="recording")
    assert [c.path for c in group.copies] == [lib["master"], moved], "found again, renamed"
