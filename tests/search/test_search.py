from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundseek.index.tables.filters import EVERYTHING, SEARCHABLE, FileFilter, accepts
from soundseek.index.vectors.windowcache import WindowCache
from soundseek.paths import app_paths
from soundseek.search.query import parse_query
from tests.audiofiles import make_library, noise, tone
from tests.fakeembed import BandEmbedder
from tests.helpers import app_with, index


def names(result) -> list[str]:
    """Each row's file, then the copies collapsed into it (one sound, several files)."""
    return [os.path.basename(p) for h in result.hits for p in [h.path, *(c.path for c in h.copies)]]


@pytest.fixture(scope="module")
def meta_home(tmp_path_factory) -> Path:
    """The mixed library indexed without any model, once for the module (its tests only
    search it: indexing it for each of them was ~1 s a test)."""
    root = tmp_path_factory.mktemp("meta")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOUNDSEEK_HOME", str(root / "home"))
        library = make_library(root / "lib")
        index(app_paths().ensure(), [library["door"].parents[1]], embedder=None)
    return root / "home"


@pytest.fixture
def meta_searcher(meta_home, monkeypatch):
    """A fresh application on that index: metadata search only."""
    monkeypatch.setenv("SOUNDSEEK_HOME", str(meta_home))
    return app_with(app_paths())


DOORS = {"DOORWood_Creak Slow_JD_MYLIB_01.wav", "copy of door — take 2.wav"}


def test_words_from_name_bext_ixml_and_tags_match(meta_searcher):
    assert set(names(meta_searcher.search("creak"))) == DOORS
    assert set(names(meta_searcher.search("hinge"))) == DOORS  # iXML KEYWORDS
    assert names(meta_searcher.search("storm")) == ["thunder distant roll.flac"]  # Vorbis comment
    assert names(meta_searcher.search("dog")) == ["dog bark.mp3"]
    assert set(names(meta_searcher.search("doors"))) >= DOORS | {"metal door slam.wav"}  # stemmed


def test_no_model_search_says_why_sound_is_off(meta_searcher):
    result = meta_searcher.search("creak", all_copies=True)  # each file's own reasons
    assert result.notes and "no CLAP model" in result.notes[0]
    assert all(h.sound is None for h in result.hits)
    matched = {os.path.basename(h.path): h.matched for h in result.hits}
    assert "filename" in matched["DOORWood_Creak Slow_JD_MYLIB_01.wav"]
    assert "filename" not in matched["copy of door — take 2.wav"]
    assert "description" in matched["copy of door — take 2.wav"]


FILTERED = [
    ("dur:<0.1s", {"click.wav"}),
    ("ch:6", {"wind 6ch.wav"}),
    ("sr:>=96k", {"bird chirp 96k.wav"}),
    ("ext:flac", {"thunder distant roll.flac"}),
    ("ext:ogg,mp3", {"rain_light.ogg", "dog bark.mp3"}),
    ("cat:DOOR", DOORS),
    ("cat:doorwood", DOORS),
    ("in:weather dur:>2.5s", {"thunder distant roll.flac", "rain_light.ogg"}),
    ("door in:doors", {"DOORWood_Creak Slow_JD_MYLIB_01.wav", "metal door slam.wav"}),
    ("in:Ünïcode", {"copy of door — take 2.wav"}),
    ("bits:24", {"bird chirp 96k.wav"}),
]


@pytest.mark.parametrize("query,expected", FILTERED)
def test_filters(meta_searcher, query, expected):
    assert set(names(meta_searcher.search(query, limit=100, all_copies=True))) == expected


def test_each_filter_as_sql_and_as_a_record_test_passes_the_same_files(meta_searcher):
    """A condition is written once (index.tables.filters): the store's SQL and the word
    index's test of a record in hand take the same files, for every filter of test_filters."""
    store = meta_searcher.library().store
    roots = store.roots.by_id()
    everything = store.records(EVERYTHING)
    for query, expected in FILTERED:
        flt = parse_query(query).file_filter()
        by_sql = {os.path.basename(r.path) for r in store.records(flt)}
        by_record = {os.path.basename(r.path) for r in everything if accepts(r, flt, roots)}
        assert by_sql == by_record, query
        if not parse_query(query).text:
            assert by_sql == expected, query


def test_broken_files_never_show_up(meta_searcher):
    assert names(meta_searcher.search("random")) == []
    assert "empty.wav" not in names(meta_searcher.search("dur:>=0s", limit=100))


def test_exclusion_and_phrases(meta_searcher):
    assert set(names(meta_searcher.search("door -metal"))) == DOORS
    assert set(names(meta_searcher.search('"wooden door"'))) == DOORS
    assert names(meta_searcher.search('"door wooden"')) == []
    assert names(meta_searcher.search('door -"wooden door" -copy')) == ["metal door slam.wav"]


@pytest.fixture(scope="module")
def band_home(tmp_path_factory) -> Path:
    """Four short files and a long one indexed with the band embedder, once for the module."""
    root = tmp_path_factory.mktemp("bands")
    lib = root / "bands"
    lib.mkdir()
    sf.write(lib / "creak_wood.wav", tone(2.0, 300), 48000)  # name and sound match
    sf.write(lib / "untitled_01.wav", tone(2.0, 310), 48000)  # sound only
    sf.write(lib / "creak_metal.wav", noise(2.0, seed=2), 48000)  # name only
    sf.write(lib / "other.wav", tone(2.0, 2500), 48000)  # neither
    long = np.concatenate(
        [noise(10.0, seed=3, amp=0.02), tone(10.0, 300), noise(5.0, seed=4, amp=0.02)]
    )
    sf.write(lib / "long_ambience.wav", long, 48000)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOUNDSEEK_HOME", str(root / "home"))
        index(app_paths().ensure(), [lib], BandEmbedder())
    return root / "home"


@pytest.fixture
def band_library(band_home, monkeypatch):
    """A fresh application (and embedder: tests count its calls) on that index."""
    monkeypatch.setenv("SOUNDSEEK_HOME", str(band_home))
    return app_with(app_paths(), BandEmbedder())


def test_fusion_ranks_name_and_sound_above_either_alone(band_library):
    result = band_library.search("creak", limit=10)
    order = names(result)
    assert order[0] == "creak_wood.wav"
    assert order.index("untitled_01.wav") < order.index("other.wav")
    assert order.index("creak_metal.wav") < order.index("other.wav")
    top = result.hits[0]
    assert top.score > result.hits[1].score and top.score > 0.95
    assert "sound" in top.matched and "filename" in top.matched
    assert all(a.score >= b.score for a, b in zip(result.hits, result.hits[1:], strict=False))
    assert 0.0 <= min(h.sound for h in result.hits) <= max(h.sound for h in result.hits) <= 1.0


def test_hit_points_at_the_matching_moment_of_a_long_file(band_library):
    hit = next(h for h in band_library.search("creak", limit=10).hits if "long" in h.path)
    assert (hit.start, hit.end) == (10.0, 20.0)


def test_more_like_this_finds_identical_copy_first(home, library, tiny_embedder):
    index(home, [library["door"].parents[1]], tiny_embedder)
    searcher = app_with(home, tiny_embedder)
    result = searcher.similar(str(library["door"]))
    assert names(result)[0] == "copy of door — take 2.wav"
    assert result.hits[0].sound == pytest.approx(1.0)
    assert str(library["door"]) not in [h.path for h in result.hits]
    at = searcher.similar(str(library["thunder"]), at=11.0)
    assert at.hits and "thunder distant roll.flac" not in names(at)
    assert set(names(searcher.similar(str(library["thunder"]), filters="ch:6"))) == {"wind 6ch.wav"}


def test_more_like_a_region_of_audio(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "low.wav", tone(1.0, 300), 48000)
    sf.write(lib / "high.wav", tone(1.0, 2500), 48000)
    emb = BandEmbedder()
    index(home, [lib], emb)
    result = app_with(home, emb).library().searcher.similar_audio(tone(0.5, 2600))
    assert names(result)[0] == "high.wav"


def test_index_of_another_model_is_not_mixed(home, library, tiny_embedder):
    index(home, [library["door"].parents[1]], BandEmbedder())
    result = app_with(home, tiny_embedder).search("creak")
    assert "not 'tiny'" in result.notes[0]
    assert set(names(result)) == DOORS and all(h.sound is None for h in result.hits)


def test_window_cache_and_lance_search_agree(band_library):
    """The cache (what every search reads) and LanceDB's own search give the same windows
    and scores, filtered or not; a cache behind the table is not used."""
    searcher = band_library.library().searcher
    retrieval = searcher.retrieval
    query = band_library.models.embedder.embed_text(["creak"])
    for flt in (SEARCHABLE, parse_query("dur:<5s").file_filter()):
        assert isinstance(flt, FileFilter)
        assert retrieval.cache_current()
        cached = searcher._sound_matches(query, flt)[0]
        cache, retrieval.cache = retrieval.cache, WindowCache(Path("/nonexistent"))
        try:
            assert not retrieval.cache_current()
            via_lance = searcher._sound_matches(query, flt)[0]
        finally:
            retrieval.cache = cache
        assert cached.keys() == via_lance.keys() and len(cached) >= 4
        for h, m in cached.items():
            assert m.sim == pytest.approx(via_lance[h].sim, abs=1e-4)
            assert (m.start, m.end) == (via_lance[h].start, via_lance[h].end)


def test_repeated_queries_do_not_rerun_the_text_encoder(band_library):
    calls = []
    original = band_library.models.embedder.embed_text
    band_library.models.embedder.embed_text = lambda texts: calls.append(texts) or original(texts)
    first = band_library.search("creak", limit=5)
    assert len(calls) == 1
    band_library.search("creak -metal", limit=5)  # -metal pushes away: "metal", "a sound"
    asked = len(calls)
    again = band_library.search("creak", limit=5)
    band_library.search("creak -metal", limit=5)
    assert len(calls) == asked == 3
    assert [h.path for h in first.hits] == [h.path for h in again.hits]


def test_a_filter_passing_many_files_filters_the_best_windows_exactly(home):
    """A filter most files pass is applied to the best windows of all (no hash list of the
    filter); the result is still every passing file in exact order, none failing it."""
    from soundseek.files.roots import Root
    from soundseek.index.retrieval import Retrieval
    from soundseek.index.store import Store
    from soundseek.index.tables.records import FileRecord, FileStatus
    from soundseek.search.searcher import Searcher

    rng = np.random.default_rng(5)
    n, dim = 300, 16
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    durations = np.where(np.arange(n) % 3 == 0, 20.0, 2.0)  # two thirds pass dur:<5s
    with Store(home.store_dir, writable=True) as s:
        s.use_model("m", dim)
        s.roots.update(lambda _r: [Root("r", "/lib", "lib")])
        records = [
            FileRecord("r", f"f{i}.wav", status=FileStatus.INDEXED, content_hash=f"h{i}",
                       duration=float(durations[i]), n_windows=1)
            for i in range(n)
        ]  # fmt: skip
        s.add_files(records)
        s.windows.add([f"h{i}" for i in range(n)], [0.0] * n, [1.0] * n, [0] * n, vecs)
        s.maintain()
    searcher = Searcher(Retrieval(Store(home.store_dir)), None)
    narrowed = []
    searcher.retrieval.hashes_matching = lambda flt: narrowed.append(flt) or []
    q = vecs[4] + 0.3 * vecs[9]
    found, _ = searcher._sound_matches(
        q[None, :] / np.linalg.norm(q), parse_query("dur:<5s").file_filter()
    )
    exact = [f"h{i}" for i in np.argsort(-(vecs @ q)) if durations[i] < 5][:50]
    assert not narrowed, "enough files passed: no hash list of the filter"
    assert sorted(found, key=lambda h: -found[h].sim)[:50] == exact
