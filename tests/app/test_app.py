"""The application layer driven headless: library folders, relocation, path filters, events."""

from __future__ import annotations

import os
import shutil

import pytest
import soundfile as sf

from soundseek.app import App
from soundseek.app.events import IndexDone, RootsChanged
from soundseek.errors import RootError
from soundseek.index.store import Store
from tests.audiofiles import noise, tone
from tests.fakeembed import BandEmbedder
from tests.helpers import app_with, index, rows_by_name


def names(result) -> list[str]:
    return sorted(os.path.basename(h.path) for h in result.hits)


def _write(path, seconds=1.0, freq=None, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = tone(seconds, freq) if freq else noise(seconds, seed=seed)
    sf.write(path, data, 48000)
    return path


def test_adding_folders_nested_inside_or_around_library_folders(home, tmp_path):
    _write(tmp_path / "SFX" / "Foley" / "step.wav")
    app = App.open(home)
    seen = []
    app.events.subscribe(seen.append)
    first = app.add_root(str(tmp_path / "SFX" / "Foley"))
    assert first.added and [r.path for r in app.roots()] == [str(tmp_path / "SFX" / "Foley")]
    again = app.add_root(str(tmp_path / "SFX" / "Foley" / "."))
    assert not again.added and again.note == "already in the library"
    outer = app.add_root(str(tmp_path / "SFX"))
    assert outer.added and outer.absorbed == (first.root,)
    assert [r.path for r in app.roots()] == [str(tmp_path / "SFX")]
    inner = app.add_root(str(tmp_path / "SFX" / "Foley"))
    assert not inner.added and "inside" in inner.note
    assert sum(isinstance(e, RootsChanged) for e in seen) == 2
    with pytest.raises(RootError, match="not a folder"):
        app.add_root(str(tmp_path / "nope"))
    app.remove_root(outer.root.id)
    assert app.roots() == []
    with pytest.raises(RootError, match="not a library folder"):
        app.remove_root(str(tmp_path / "SFX"))


def test_absorbed_folder_keeps_its_vectors(home, tmp_path):
    _write(tmp_path / "SFX" / "Foley" / "step.wav", freq=300)
    emb = BandEmbedder()
    index(home, [tmp_path / "SFX" / "Foley"], emb)
    app = app_with(home, emb)
    app.add_root(str(tmp_path / "SFX"))
    emb.windows_seen = 0
    list(app.index())
    assert emb.windows_seen == 0
    (rec,) = Store(home.store_dir).records()
    assert (rec.relpath, rec.status) == ("Foley/step.wav", "indexed")


def test_relocated_library_keeps_every_vector(home, tmp_path):
    lib = tmp_path / "Drive A" / "SFX"
    for i, f in enumerate((200, 400, 800)):
        _write(lib / "Doors" / f"door {i}.wav", freq=f)
    emb = BandEmbedder()
    index(home, [lib], emb)
    before = {r.relpath: r.content_hash for r in Store(home.store_dir).records()}
    moved = tmp_path / "Drive B" / "Library SFX"
    moved.parent.mkdir()
    shutil.move(lib, moved)
    app = app_with(home, emb)
    assert not app.status().roots[0].online
    move = app.relocate_root(str(lib), str(moved))
    assert (move.found, move.checked) == (3, 3)
    emb.windows_seen = 0
    events = list(app.index())
    assert events[-1].phase == "done" and emb.windows_seen == 0, "nothing is re-embedded"
    after = Store(home.store_dir).records()
    assert {r.relpath: r.content_hash for r in after} == before
    assert {r.path for r in after} == {str(moved / "Doors" / f"door {i}.wav") for i in range(3)}
    hits = app.search("door").hits
    assert hits and all(h.path.startswith(str(moved)) for h in hits)
    assert app.similar(str(moved / "Doors" / "door 0.wav")).hits


def test_relocation_to_the_wrong_folder_is_refused_unless_forced(home, tmp_path):
    lib = _write(tmp_path / "lib" / "a.wav").parent
    index(home, [lib], BandEmbedder())
    empty = tmp_path / "empty"
    empty.mkdir()
    app = App.open(home)
    with pytest.raises(RootError, match="none of 1 files"):
        app.relocate_root(str(lib), str(empty))
    assert app.roots()[0].path == str(lib)
    other = _write(tmp_path / "other" / "sub" / "b.wav").parents[1]
    app.add_root(str(other))
    with pytest.raises(RootError, match="overlaps the library folder"):
        app.relocate_root(str(lib), str(other / "sub"))
    assert app.relocate_root(str(lib), str(empty), force=True).found == 0
    assert [r.path for r in app.roots()] == [str(empty), str(other)]


def test_folder_filters_take_backslashes_and_underscores_literally(home, tmp_path):
    root = tmp_path / "SFX"
    _write(root / "my_lib" / "Doors" / "door a.wav", seed=1)
    _write(root / "myXlib" / "Doors" / "door b.wav", seed=2)
    _write(root / "50% off" / "door c.wav", seed=3)
    index(home, [root])
    app = App.open(home)
    assert names(app.search("door in:my_lib")) == ["door a.wav"]
    assert names(app.search(r"door in:my_lib\Doors")) == ["door a.wav"]
    assert names(app.search("door in:my_lib/doors")) == ["door a.wav"]
    assert names(app.search("door in:SFX/my_lib")) == ["door a.wav"]
    assert names(app.search("door in:50%")) == ["door c.wav"]
    assert names(app.search("door in:SFX")) == ["door a.wav", "door b.wav", "door c.wav"]
    assert names(app.search("door in:_")) == ["door a.wav"]


def test_index_events_and_status_through_the_facade(home, library):
    app = App.open(home)
    done = []
    app.events.subscribe(lambda e: done.append(e) if isinstance(e, IndexDone) else None)
    app.add_root(str(library["door"].parents[1]))
    last = list(app.index(embed=False))[-1]
    assert last.phase == "done" and done[-1].last is last and done[-1].error is None
    status = app.status()
    assert (status.files, status.pending, len(status.errors)) == (12, 9, 3)
    assert status.to_json()["library_roots"] == [str(library["door"].parents[1])]
    assert {e.reason for e in app.errors()} >= {"empty file (0 bytes)"}
    cached = App.open(home).cached_root_summaries()
    assert [(s.files, s.errors) for s in cached] == [(12, 3)], "the window's instant numbers"


def test_removed_folder_disappears_from_search_at_once_and_from_the_index_next_run(home, tmp_path):
    a = _write(tmp_path / "A" / "rain a.wav").parent
    b = _write(tmp_path / "B" / "rain b.wav").parent
    index(home, [a, b])
    app = App.open(home)
    app.remove_root(str(b))
    assert names(app.search("rain")) == ["rain a.wav"]
    list(app.index(embed=False))
    assert set(rows_by_name(home)) == {"rain a.wav"}
