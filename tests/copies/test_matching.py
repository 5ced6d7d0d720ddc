"""Copies found among real files: named, placed, and never between two different recordings."""

from __future__ import annotations

import pytest

from soundseek.audio.decode import iter_windows
from soundseek.audio.soundprint import PrintBuilder
from soundseek.copies.matching import find_relations
from soundseek.index.prints.printindex import PrintIndex
from soundseek.index.prints.relations import CONTAINED, RECORDING
from tests.copies.sounds import RATE, creak, write


def _print(path: str):
    b = PrintBuilder()
    for _ in iter_windows(path, None, b):
        pass
    return b.finish()


@pytest.fixture(scope="module")
def added(tmp_path_factory):
    """Files added one by one as an index run does: {name: relations found for it}."""
    d = tmp_path_factory.mktemp("copies")
    master = creak(8.0, seed=11)
    files = {
        "master": write(d / "master.wav", master, subtype="PCM_24"),
        "bounce": write(d / "bounce.flac", master[int(0.2 * RATE) :] * 0.5),
        "region": write(d / "region.wav", master[int(3.0 * RATE) : int(5.0 * RATE)]),
        "another": write(d / "another creak.wav", creak(8.0, seed=12)),
        "quiet": write(d / "quiet.ogg", master * 0.25, format="OGG", subtype="VORBIS"),
    }
    index = PrintIndex(d / "prints.sqlite", writable=True)
    found = {}
    for name, path in files.items():
        p = _print(path)
        found[name] = find_relations(name, p, index, lambda c: files.get(c))
        index.add(name, p.duration, p.hashes, p.stride, found[name])
    return found, index


def test_a_trimmed_quieter_bounce_is_the_same_recording(added):
    (rel,) = added[0]["bounce"]
    assert (rel.outer, rel.inner, rel.level) == ("master", "bounce", RECORDING)
    assert abs(rel.offset_s - 0.2) < 0.05 and rel.score > 0.9


def test_a_region_is_contained_at_its_offset(added):
    rels = {r.outer: r for r in added[0]["region"]}
    assert rels["master"].level == CONTAINED and rels["master"].inner == "region"
    assert abs(rels["master"].offset_s - 3.0) < 0.05
    assert rels["bounce"].level == CONTAINED and abs(rels["bounce"].offset_s - 2.8) < 0.05


def test_an_ogg_copy_joins_its_recording_and_another_creak_joins_nothing(added):
    found, index = added
    assert {r.level for r in found["quiet"]} == {RECORDING, CONTAINED}
    assert found["another"] == []
    assert not [r for r in index.relations() if "another" in (r.outer, r.inner)]


def test_a_copy_whose_files_cannot_be_read_is_left_for_later(added, tmp_path):
    _found, index = added
    path = write(tmp_path / "again.wav", creak(8.0, seed=11))
    assert find_relations("again", _print(path), index, {"again": path}.get) == []


def test_relations_survive_reopening_read_only(added):
    _found, index = added
    again = PrintIndex(index.path, writable=False)
    try:
        assert sorted(map(str, again.relations())) == sorted(map(str, index.relations()))
        assert again.relations(["region"]) and not again.relations(["another"])
    finally:
        again.close()
