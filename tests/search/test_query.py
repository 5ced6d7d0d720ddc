from __future__ import annotations

import pytest

from soundseek.errors import QuerySyntaxError
from soundseek.index.tables.filters import Category, Extension, Folder, Measure, Number
from soundseek.search.query import parse_query


def test_words_phrases_excludes_and_filters_are_separated():
    q = parse_query('door creak "wooden door" -metal -"car door" dur:<3s sr:>=96k ch:2 ext:wav')
    assert q.words == ["door", "creak"]
    assert q.phrases == ["wooden door"]
    assert q.excludes == ["metal", "car door"]
    assert [(f.key, f.op, f.value) for f in q.filters] == [
        ("dur", "<", "3s"), ("sr", ">=", "96k"), ("ch", "=", "2"), ("ext", "=", "wav"),
    ]  # fmt: skip
    assert q.text == "door creak wooden door"


def test_filter_units_become_seconds_and_hertz():
    flt = parse_query("dur:<500ms sr:>=96k ch:6 dur:>=1.5m bits:24 sr:44.1k").file_filter()
    assert list(flt.conditions) == [
        Number(Measure.DURATION, "<", 0.5), Number(Measure.SAMPLERATE, ">=", 96000.0),
        Number(Measure.CHANNELS, "=", 6.0), Number(Measure.DURATION, ">=", 90.0),
        Number(Measure.BIT_DEPTH, "=", 24.0), Number(Measure.SAMPLERATE, "=", 44100.0),
    ]  # fmt: skip


def test_category_ext_and_folder_filters_keep_what_was_typed():
    flt = parse_query(r"cat:door ext:wav,FLAC in:O'Brien\my_lib").file_filter()
    assert list(flt.conditions) == [
        Category("door"), Extension(("wav", "FLAC")), Folder(r"O'Brien\my_lib"),
    ]  # fmt: skip


def test_unknown_key_is_an_ordinary_word():
    q = parse_query("http:thing sound")
    assert q.words == ["http:thing", "sound"]
    assert q.filters == []


@pytest.mark.parametrize("bad", ["dur:<", "dur:abc", "sr:>=96q"])
def test_bad_filter_values_raise_a_clear_error(bad):
    with pytest.raises(QuerySyntaxError):
        parse_query(bad).file_filter()
