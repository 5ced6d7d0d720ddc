"""A new library's word index copies its lexicon from a template made once per machine
(soundseek.index.wordindex.lexicon): the same rows as computing them, and no template that is
damaged, half written or foreign is ever used."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest

from soundseek.index.wordindex import fts, lexicon
from soundseek.paths import TEMPLATES_ENV


def _rows(path) -> set[tuple[str, str, int]]:
    con = sqlite3.connect(path)
    try:
        return set(con.execute("SELECT word, lemma, known FROM lexicon"))
    finally:
        con.close()


def _analyzer() -> str:
    return f"{fts.ANALYZER_VERSION}:{fts.lemma_digest()}"


@pytest.fixture(scope="module")
def scratch() -> set[tuple[str, str, int]]:
    """The lexicon computed from the dictionary and the thesaurus, as before templates."""
    con = sqlite3.connect(":memory:")
    con.executescript(lexicon.SCHEMA)
    lexicon.insert_rows(con, "main")
    return set(con.execute("SELECT word, lemma, known FROM lexicon"))


@pytest.fixture(scope="module")
def made(tmp_path_factory, scratch):
    """A templates folder holding the real template, made by a first new index."""
    folder = tmp_path_factory.mktemp("templates")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(TEMPLATES_ENV, str(folder))
        first = tmp_path_factory.mktemp("first") / "words.sqlite"
        fts.WordIndex(first).close()
    assert _rows(first) == scratch
    (template,) = folder.glob("lexicon-*.sqlite")
    return template


@pytest.fixture
def templates(tmp_path, monkeypatch, made):
    """This test's own templates folder, holding a copy of the real template."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / made.name).write_bytes(made.read_bytes())
    monkeypatch.setenv(TEMPLATES_ENV, str(folder))
    return folder


def _no_dictionary(monkeypatch) -> None:
    def refuse():
        raise AssertionError("the dictionary was loaded again")

    monkeypatch.setattr(lexicon, "dictionary_rows", refuse)


def test_a_new_library_gets_the_computed_lexicon_without_loading_the_dictionary(
    tmp_path, templates, monkeypatch, scratch
):
    _no_dictionary(monkeypatch)
    words = fts.WordIndex(tmp_path / "lib" / "words.sqlite")
    try:
        assert words.lookup("engines") == ("engine", True)
        assert words.lookup("gunshots") == ("gunshot", True)
    finally:
        words.close()
    assert _rows(tmp_path / "lib" / "words.sqlite") == scratch


def test_another_analysers_index_is_refilled_from_the_template(
    tmp_path, templates, monkeypatch, scratch
):
    path = tmp_path / "lib" / "words.sqlite"
    fts.WordIndex(path).close()
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'analyzer'")
        con.execute("DELETE FROM lexicon WHERE word >= 'm'")
    con.close()
    _no_dictionary(monkeypatch)
    fts.WordIndex(path).close()
    assert _rows(path) == scratch


def test_a_damaged_template_is_rebuilt_and_never_copied(tmp_path, templates, monkeypatch):
    (template,) = templates.glob("lexicon-*.sqlite")
    data = bytearray(template.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit in the middle of the rows
    template.write_bytes(bytes(data))
    monkeypatch.setattr(lexicon, "insert_rows", _tiny_rows([]))
    fts.WordIndex(tmp_path / "lib" / "words.sqlite").close()
    assert _rows(tmp_path / "lib" / "words.sqlite") == TINY  # the rebuilt template's rows
    (rebuilt,) = templates.glob("lexicon-*.sqlite")
    assert lexicon._read_intact(rebuilt) is not None


def test_a_foreign_file_under_the_templates_name_is_replaced(tmp_path, templates, monkeypatch):
    """Right name and digest, but another key's rows (a copy between caches, a bug)."""
    key = lexicon.template_key(_analyzer())
    other = sqlite3.connect(tmp_path / "other.sqlite")
    other.executescript("CREATE TABLE meta (key TEXT, value TEXT);" + lexicon.SCHEMA)
    with other:
        other.execute("INSERT INTO meta VALUES ('template', 'another key')")
        other.execute("INSERT INTO lexicon VALUES ('engines', 'wrong', 1)")
    other.close()
    data = (tmp_path / "other.sqlite").read_bytes()
    for old in templates.glob("lexicon-*.sqlite"):
        old.unlink()
    (templates / f"lexicon-{key}-{lexicon._digest(data)}.sqlite").write_bytes(data)
    monkeypatch.setattr(lexicon, "insert_rows", _tiny_rows([]))
    fts.WordIndex(tmp_path / "lib" / "words.sqlite").close()
    assert _rows(tmp_path / "lib" / "words.sqlite") == TINY
    (rebuilt,) = templates.glob("lexicon-*.sqlite")
    assert rebuilt.read_bytes() != data


TINY = {("engines", "engine", 1)}


def _tiny_rows(calls: list[int], fail: bool = False):
    """A stand-in for the ~173k computed rows: the file's life cycle is under test here."""

    def insert(con, schema):
        calls.append(1)
        con.execute(f"INSERT INTO {schema}.lexicon VALUES ('engines', 'engine', 1)")
        if fail:
            raise KeyboardInterrupt  # the build dies halfway
        time.sleep(0.05)  # builders overlap

    return insert


def test_a_killed_build_leaves_nothing_that_is_used(tmp_path, monkeypatch):
    folder = tmp_path / "templates"
    monkeypatch.setenv(TEMPLATES_ENV, str(folder))
    key, calls = lexicon.template_key(_analyzer()), []
    folder.mkdir()
    killed = folder / f".lexicon-{key}.999.dead.tmp"  # a build killed with SIGKILL long ago
    killed.write_bytes(b"SQLite format 3\0 half")
    os.utime(killed, (time.time() - 7200, time.time() - 7200))
    monkeypatch.setattr(lexicon, "insert_rows", _tiny_rows(calls, fail=True))
    with pytest.raises(KeyboardInterrupt):
        lexicon._template_bytes(key)
    assert list(folder.iterdir()) == []  # the dead build's file pruned, this one's removed
    monkeypatch.setattr(lexicon, "insert_rows", _tiny_rows(calls))
    assert lexicon._template_bytes(key) is not None
    assert lexicon._template_bytes(key) is not None
    assert len(calls) == 2  # built once after the failure, then read
    assert [p.name.startswith(f"lexicon-{key}-") for p in folder.iterdir()] == [True]


def test_builders_at_once_each_get_a_complete_template(tmp_path, monkeypatch):
    folder = tmp_path / "templates"
    monkeypatch.setenv(TEMPLATES_ENV, str(folder))
    key, calls, got = lexicon.template_key(_analyzer()), [], []
    monkeypatch.setattr(lexicon, "insert_rows", _tiny_rows(calls))
    threads = [threading.Thread(target=lambda: got.append(lexicon._template_bytes(key)))
               for _ in range(3)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 3 and all(g is not None for g in got)
    (template,) = folder.glob("lexicon-*.sqlite")
    assert lexicon._read_intact(template) is not None
    assert not list(folder.glob("*.tmp"))


def test_an_unwritable_templates_folder_falls_back_to_computing(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(TEMPLATES_ENV, str(blocker / "templates"))
    calls = []
    monkeypatch.setattr(lexicon, "insert_rows", _tiny_rows(calls))
    fts.WordIndex(tmp_path / "lib" / "words.sqlite").close()
    assert _rows(tmp_path / "lib" / "words.sqlite") == TINY and calls == [1]
