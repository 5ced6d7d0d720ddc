"""The user's own tags: added and removed by path, kept on the content (a renamed file keeps
them, an identical copy shares them), searchable with `tag:`."""

from __future__ import annotations

import json
import os

from soundseek.cli import main


def _hits(capsys, query: str) -> set[str]:
    assert main(["search", query, "--json"]) == 0
    return {
        json.loads(line)["path"].rsplit("/", 1)[-1] for line in capsys.readouterr().out.splitlines()
    }


def test_tags_follow_the_content_and_filter_searches(home, library, capsys, tmp_path):
    door = str(library["door"])
    assert main(["add", str(library["door"].parents[1])]) == 0
    main(["index", "--no-embed"])
    capsys.readouterr()
    assert main(["tag", "add", "Keeper  Take", door, "--json"]) == 0
    change = json.loads(capsys.readouterr().out)
    assert (change["tag"], change["changed"], change["files"]) == ("keeper take", 1, 1)
    both = {"DOORWood_Creak Slow_JD_MYLIB_01.wav", "copy of door — take 2.wav"}
    assert _hits(capsys, "tag:keeper") == set(), "a tag matches whole, not by prefix"

    renamed = os.path.join(os.path.dirname(door), "door that moved.wav")
    os.rename(door, renamed)
    main(["index", "--no-embed"])
    capsys.readouterr()
    assert main(["tag", "add", "keeper", renamed]) == 0
    capsys.readouterr()
    assert _hits(capsys, "tag:keeper") == (both - {"DOORWood_Creak Slow_JD_MYLIB_01.wav"}) | {
        "door that moved.wav"
    }, "an identical copy shares the content's tags"
    assert main(["tag", "list", renamed, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tags"] == ["keeper", "keeper take"]

    assert main(["tag", "remove", "keeper", renamed]) == 0
    capsys.readouterr()
    assert _hits(capsys, "tag:keeper") == set()
    assert main(["tag", "list", "--json"]) == 0
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == [
        {"tag": "keeper take", "files": 1}
    ]


def test_tagging_a_file_outside_the_index_says_so(home, library, capsys, tmp_path):
    assert main(["add", str(library["door"].parents[1])]) == 0
    main(["index", "--no-embed"])
    stray = tmp_path / "stray.wav"
    stray.write_bytes(b"RIFF")
    capsys.readouterr()
    assert main(["tag", "add", "keeper", str(library["door"]), str(stray)]) == 1
    out = capsys.readouterr().out
    assert (
        "tagged 1 of 1 files" in out
        and f"not in the index (add its folder and `soundseek index`): {stray}" in out
    )
    assert main(["tag", "add", "a:b", str(library["door"])]) == 2
