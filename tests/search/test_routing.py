"""Which way a typed query goes (search.routing): decided in one place, the query parsed once."""

from __future__ import annotations

import pytest

from soundseek.errors import QuerySyntaxError
from soundseek.search.routing import Situation, Way, plan_search
from soundseek.search.steer_request import Steer

WINDOW = Situation(ready=False, shared=False, will_listen=False)  # before the index opens
SHELL = Situation(ready=False, shared=False, will_listen=True)  # a model installed, vectors


@pytest.mark.parametrize(
    "raw,situation,way",
    [
        ("door creak", WINDOW, Way.WORDS),
        ("door creak", SHELL, Way.SOUND),
        ("door dur:<3s", WINDOW, Way.WORDS),
        ("door dur:<3s", SHELL, None),  # filters narrow sound exactly only the full way
        ("dur:<3s", WINDOW, None),  # filters alone: the full way lists them
        ("door tag:keeper", WINDOW, None),  # tags live in LanceDB
        ("door", Situation(ready=True, shared=False, will_listen=False), None),
        ("door", Situation(ready=False, shared=True, will_listen=False), None),
        ("", WINDOW, None),
    ],
)
def test_the_instant_way_is_tried_only_where_it_can_answer(raw, situation, way):
    assert plan_search(raw, None, situation).instant is way


def test_feedback_goes_the_full_way_and_the_shell_loads_the_model_for_it():
    plan = plan_search("door", Steer(good=("/a.wav",)), SHELL)
    assert plan.instant is None and plan.load_model
    assert not plan_search("door", None, WINDOW).load_model


def test_the_plan_carries_the_query_parsed_once_with_its_filter():
    plan = plan_search('door "wooden door" -metal ext:wav', None, WINDOW)
    assert (plan.query.words, plan.query.phrases, plan.query.excludes) == (
        ["door"], ["wooden door"], ["metal"],
    )  # fmt: skip
    assert plan.query.file_filter() is plan.query.file_filter()


def test_a_bad_filter_value_fails_before_anything_opens():
    with pytest.raises(QuerySyntaxError):
        plan_search("door dur:abc", None, SHELL)
