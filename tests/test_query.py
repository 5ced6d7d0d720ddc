from __future__ import annotations

import pytest

from soundseek.core.errors import QuerySyntaxError
from soundseek.core.query import filter_sql, parse_query


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
    sql = filter_sql(parse_query("dur:<500ms sr:>=96k ch:6 dur:>=1.5m bits:24").filters)
    assert "duration < 0.5" in sql
    assert "samplerate >= 96000)" in sql
    assert "channels = 6" in sql
    assert "duration >= 90.0" in sql
    assert "bit_depth = 24" in sql


def test_category_and_folder_filters_are_case_insensitive_and_quoted():
    sql = filter_sql(parse_query("cat:door in:O'Brien").filters)
    assert "LIKE 'DOOR%'" in sql
    assert "'%o''brien%'" in sql


def test_unknown_key_is_an_ordinary_word():
    q = parse_query("http:thing sound")
    assert q.words == ["http:thing", "sound"]
    assert q.filters == []


@pytest.mark.parametrize("bad", ["dur:<", "dur:abc", "sr:>=96q"])
def test_bad_filter_values_raise_a_clear_error(bad):
    with pytest.raises(QuerySyntaxError):
        filter_sql(parse_query(bad).filters)
