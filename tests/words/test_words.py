"""How metadata search reads words: thesaurus, UCS synonyms, compounds, lemmas that keep
unrelated words apart, stop-words, typos, field weights; and the shell's instant path."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from tests.helpers import app_with, index

NAMES = [
    "weapons/gunshot close.wav", "weapons/pistol shot 01.wav", "weapons/rifle crack.wav",
    "weapons/shotgun blast.wav", "weapons/musket fire.wav",
    "ucs/RAIN_Steady Wash_JD_MYLIB.wav",
    "foley/woodcutting axe.wav", "foley/wood_cutting saw.wav", "foley/BirdChirp01.wav",
    "foley/footstep gravel.wav", "foley/foot step snow.wav", "ui/gameover.wav",
    "vehicles/engine rumble idle.wav", "vehicles/engine start.wav", "ui/engineer_select.wav",
    "nature/rain on roof.wav", "music/training montage.wav", "trains/train pass.wav",
    "animals/cat meow.wav", "siege/catapult launch.wav", "animals/hornet buzz.wav",
    "brass/horn call.wav", "weapons/bow and arrow release.wav", "misc/hand and foot.wav",
    "misc/odds and ends.wav", "boom/explosion big.wav", "nature/creak of ice.wav",
    "nature/creek water.wav", "doors/knock.wav", "door/door slam.wav",
]  # fmt: skip


@pytest.fixture(scope="module")
def words_app(tmp_path_factory):
    """A library whose names carry the truth, indexed without a model."""
    from soundseek.paths import app_paths

    base = tmp_path_factory.mktemp("words")
    lib = base / "lib"
    rng = np.random.default_rng(0)
    for name in NAMES:  # each its own sound: files of one audio would be one row, copies
        (lib / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(lib / name, 0.01 * rng.standard_normal(2400).astype(np.float32), 48000)
    old = os.environ.get("SOUNDSEEK_HOME")
    os.environ["SOUNDSEEK_HOME"] = str(base / "home")
    try:
        paths = app_paths().ensure()
        index(paths, [lib])
    finally:
        if old is None:
            del os.environ["SOUNDSEEK_HOME"]
        else:
            os.environ["SOUNDSEEK_HOME"] = old
    return app_with(paths), paths


def found(words_app, query: str) -> list[str]:
    app, _ = words_app
    return [os.path.basename(h.path) for h in app.search(query, 50).hits]


def why(words_app, query: str) -> dict[str, list[str]]:
    app, _ = words_app
    return {os.path.basename(h.path): h.why for h in app.search(query, 50).hits}


def test_a_gunshot_is_also_a_pistol_rifle_shotgun_or_musket(words_app):
    hits = found(words_app, "gunshot")
    assert hits[0] == "gunshot close.wav", "the word itself ranks above stand-ins"
    assert {"pistol shot 01.wav", "rifle crack.wav", "shotgun blast.wav",
            "musket fire.wav"} <= set(hits)  # fmt: skip
    assert any("pistol" in w for w in why(words_app, "gunshot")["pistol shot 01.wav"])


def test_a_ucs_synonym_finds_files_of_its_category(words_app):
    explained = why(words_app, "precipitation")
    assert "RAIN_Steady Wash_JD_MYLIB.wav" in explained
    assert any("UCS RAIN" in w for w in explained["RAIN_Steady Wash_JD_MYLIB.wav"])


def test_compounds_split_in_names_and_join_in_queries(words_app):
    assert {"woodcutting axe.wav", "wood_cutting saw.wav"} <= set(found(words_app, "woodcutting"))
    assert {"woodcutting axe.wav", "wood_cutting saw.wav"} <= set(found(words_app, "wood cutting"))
    assert found(words_app, "bird chirp")[0] == "BirdChirp01.wav"
    assert found(words_app, "game over")[0] == "gameover.wav"
    steps = found(words_app, "foot step")[:2]
    assert set(steps) == {"footstep gravel.wav", "foot step snow.wav"}
    assert set(found(words_app, "footsteps")[:2]) == {"footstep gravel.wav", "foot step snow.wav"}


def test_engine_is_not_engineer(words_app):
    hits = found(words_app, "engine rumble")
    assert hits[:2] == ["engine rumble idle.wav", "engine start.wav"]
    assert "engineer_select.wav" not in found(words_app, "engine")


@pytest.mark.parametrize(
    ("query", "never"),
    [("rain", {"training montage.wav", "train pass.wav"}), ("cat", {"catapult launch.wav"}),
     ("horn", {"hornet buzz.wav"}), ("train", {"rain on roof.wav", "training montage.wav"})],
)  # fmt: skip
def test_words_inside_other_words_do_not_match(words_app, query, never):
    hits = set(found(words_app, query))
    assert hits and not hits & never


def test_stop_words_never_carry_a_match(words_app):
    hits = found(words_app, "bow and arrow")
    assert hits == ["bow and arrow release.wav"], "'and' alone finds nothing"


def test_typos_of_long_words_are_forgiven_but_real_words_are_not_changed(words_app):
    assert found(words_app, "explosoin")[0] == "explosion big.wav"
    assert "blast" in found(words_app, "explosoin")[1], "and what the corrected word stands for"
    assert any("spelling" in w for w in why(words_app, "explosoin")["explosion big.wav"])
    assert "creek water.wav" not in found(words_app, "creak"), "both are words"
    assert found(words_app, "gunsht")[0] == "gunshot close.wav"
    assert found(words_app, "cta") == [], "words under five letters are not guessed at"


def test_a_name_counts_more_than_the_folder(words_app):
    hits = found(words_app, "door")
    assert hits[0] == "door slam.wav"
    assert found(words_app, "doors") == ["door slam.wav", "knock.wav"]


def test_phrases_and_exclusions_read_lemmas(words_app):
    assert found(words_app, '"engine start"') == ["engine start.wav"]
    assert "engine start.wav" not in found(words_app, "engine -starts")


def _run_cli(paths, code: str) -> dict:
    env = {**os.environ, "SOUNDSEEK_HOME": str(paths.config_dir.parent)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


CHECK = """
import contextlib, io, json, sys
from soundseek.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main({args!r})
heavy = sorted(m for m in ("torch", "transformers", "lancedb") if m in sys.modules)
print(json.dumps({{"code": code, "heavy": heavy, "out": out.getvalue()}}))
"""


def test_shell_search_and_status_never_import_torch(words_app):
    _, paths = words_app
    if paths.config_dir.parent.name != "home":
        pytest.skip("home layout differs")
    got = _run_cli(paths, CHECK.format(args=["search", "gunshot", "--json"]))
    assert got["code"] == 0 and got["heavy"] == [], "metadata search: no LanceDB, no torch"
    first = json.loads(got["out"].splitlines()[0])
    assert first["path"].endswith("gunshot close.wav") and "why" in first
    status = _run_cli(paths, CHECK.format(args=["status", "--json"]))
    assert status["code"] == 0 and "torch" not in status["heavy"]


def test_word_scores_equal_fts5_bm25_and_follow_every_write(tmp_path):
    """Single words score from postings (numpy), phrases through FTS5: the numbers must be
    FTS5's own bm25() with the field weights, before and after files change or leave."""
    import sqlite3

    from soundseek.index.tables.records import FileKey, FileRecord, FileStatus
    from soundseek.index.wordindex.fts import WEIGHTS, WordIndex
    from soundseek.words.query_plan import Alternative, WordGroup

    def rec(i, name, text=""):
        return FileRecord(root_id="r", relpath=f"Café Sounds/{name}.wav", size=1, mtime_ns=i,
                          status=FileStatus.INDEXED, content_hash=f"h{i}", text=text)  # fmt: skip

    names = ["door_slam 02", "Door Creak door", "naïve dög metal door", "rain on metal roof",
             "metal", "wind", "door door door slam", "thunder_rain"]  # fmt: skip
    words = WordIndex(tmp_path / "w.sqlite")
    words.put([rec(i, n, f"take {i} {n}") for i, n in enumerate(names)], "1")
    con = sqlite3.connect(tmp_path / "w.sqlite")
    weights = ", ".join(map(str, WEIGHTS))

    def check(term):
        ours = {
            m.doc: m.score
            for m in words.search([WordGroup(term, [Alternative((term,), 1.0, "")])], [])
        }
        sql = f"SELECT rowid, -bm25(terms, {weights}) FROM terms WHERE terms MATCH ?"
        fts = dict(con.execute(sql, (f'"{term}"',)).fetchall())
        assert ours.keys() == fts.keys() and ours == pytest.approx(fts, rel=1e-5)
        return ours

    for term in ("door", "metal", "slam", "cafe", "dog", "rain", "take", "sound"):
        assert check(term), term
    words.put([rec(1, "Door Creak door", "take 1 creak"), rec(9, "glass door", "")], "2")
    words.delete([FileKey("r", "Café Sounds/metal.wav")], "3")
    for term in ("door", "metal", "glass", "creak", "take"):
        assert check(term), term
    words.delete([FileKey("r", f"Café Sounds/{n}.wav") for n in ["wind"]], "4")
    assert not check("wind"), "a word no file holds any more matches nothing"


def test_ranking_pages_are_the_full_sort_however_they_are_cut():
    """Only the asked-for prefix is sorted: pages must still be exactly the full order
    (score descending, lower file id first on ties), ties across the cut included."""
    from soundseek.index.wordindex.ranking import Ranking

    rng = np.random.default_rng(0)
    docs = rng.permutation(5000).astype(np.int64)
    score = rng.integers(0, 40, 5000).astype(float)  # many ties
    want = docs[np.lexsort((docs, -score))].tolist()
    for sizes in ([150, 300, 600, 1200, 2400, 5000], [1, 1023, 1, 4000], [5000]):
        ranking, got, offset = Ranking([], [], docs, score), [], 0
        for size in sizes:
            got += [m.doc for m in ranking.page(offset, size)]
            offset += size
        assert got == want[: len(got)] and len(got) == min(5000, sum(sizes))


def test_records_read_back_as_written_even_with_a_nan_or_non_latin_text(tmp_path):
    """Records are read with orjson (fast) and, where it refuses (json.dumps writes NaN),
    with json: a file whose duration could not be read still comes back whole."""
    import math

    from soundseek.index.tables.records import FileRecord, FileStatus
    from soundseek.index.wordindex.fts import WordIndex

    recs = [
        FileRecord(root_id="r", relpath="Ünïcode/雨 rain.wav", size=1, mtime_ns=1,
                   status=FileStatus.INDEXED, content_hash="h1", duration=12.5, text="雨 rain"),
        FileRecord(root_id="r", relpath="odd/rain broken.wav", size=2, mtime_ns=2,
                   status=FileStatus.ERROR, content_hash="h2", duration=math.nan),
    ]  # fmt: skip
    words = WordIndex(tmp_path / "w.sqlite")
    words.put(recs, "1")
    back = {r.content_hash: r for r in words.records_by_hash(["h1", "h2"])}
    assert back["h1"] == recs[0]
    assert math.isnan(back["h2"].duration) and back["h2"].status is FileStatus.ERROR
    assert back["h2"].relpath == recs[1].relpath
