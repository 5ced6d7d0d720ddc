"""The user's own tags: added and removed by path, kept on the content (a renamed file keeps
them, an identical copy shares them), searchable with `tag:`."""

from __future__ import annotations

import json
import os

from soundseek.cli import main


def _hits(capsys, query: str) -> set[str]:
    """The files a query matches, each its own row (copies not collapsed)."""
    assert main(["search", query, "--json", "--all-copies"]) == 0
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


CLASSES = {"rumble": 70.0, "beep": 600.0, "whistle": 1300.0, "chirp": 2600.0}


def _synthetic_library(root, per_class: int = 6, classes=CLASSES):
    """Neutral names (take_NN), four sound classes told apart only by what they sound like."""
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(7)
    t = np.arange(int(1.5 * 48000)) / 48000
    files: dict[str, list[str]] = {}
    n = 0
    for name, hz in classes.items():
        for _ in range(per_class):
            f = hz * rng.uniform(0.9, 1.1)
            x = rng.uniform(0.2, 0.6) * np.sin(2 * np.pi * f * t) + 0.02 * rng.standard_normal(
                len(t)
            )
            path = root / f"take_{n:02d}.wav"
            sf.write(path, x.astype(np.float32), 48000)
            files.setdefault(name, []).append(str(path))
            n += 1
    return files


def test_a_tag_learned_from_three_files_finds_the_rest_of_its_class(home, tmp_path, capsys):
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "neutral"
    lib.mkdir()
    files = _synthetic_library(lib)
    index(home, [lib], BandEmbedder())
    birds = files["whistle"]
    assert main(["tags", "suggest", "bird"]) == 2, "nothing to learn from yet"
    capsys.readouterr()
    assert main(["tag", "add", "bird", *birds[:3]]) == 0
    capsys.readouterr()
    assert main(["tags", "suggest", "bird", "--json", "--limit", "5"]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(got) == 5 and {g["path"] for g in got[:3]} == set(birds[3:])
    assert min(g["confidence"] for g in got[:3]) > max(g["confidence"] for g in got[3:])
    assert all(g["path"] not in birds[:3] for g in got), "tagged files are not suggested"

    assert main(["tag", "reject", "bird", birds[3]]) == 0
    capsys.readouterr()
    assert main(["tags", "suggest", "bird", "--json"]) == 0
    after = [json.loads(line)["path"] for line in capsys.readouterr().out.splitlines()]
    assert birds[3] not in after and set(after[:2]) == set(birds[4:])


UCS_CLASSES = {"rumble": 70.0, "beep": 600.0, "whistle": 1300.0, "hiss": 10000.0}


def test_ucs_suggestions_after_indexing_name_each_files_class(home, tmp_path, capsys):
    """Zero-shot: every subcategory's captions against the files' windows. The stand-in model
    hears four bands and knows one word for each, so the right answer is checkable."""
    from soundseek.classify.zero_shot import captions
    from soundseek.metadata.ucs import load_catalog
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "neutral"
    lib.mkdir()
    files = _synthetic_library(lib, per_class=3, classes=UCS_CLASSES)
    events = index(home, [lib], BandEmbedder())
    assert any(e.phase == "categories" and e.files_done == 12 for e in events)
    catalog = load_catalog()

    def right(word):
        text = lambda cat: " ".join(captions(cat)).lower().replace(":", " ").split()  # noqa: E731
        return {c.catid for c in catalog.by_catid.values() if word in text(c)}

    assert main(["suggest", "--json"]) == 0
    got = {json.loads(x)["path"]: json.loads(x) for x in capsys.readouterr().out.splitlines()}
    assert len(got) == 12
    for word, paths in files.items():
        for p in paths:
            top = got[p]["suggestions"]
            assert len(top) == 3 and top[0]["catid"] in right(word), (word, top)
            assert top[0]["confidence"] >= top[1]["confidence"] >= top[2]["confidence"]
    again = index(home, [lib], BandEmbedder())
    assert not any(e.phase == "categories" for e in again), "nothing new: nothing recomputed"


def test_accepted_categories_filter_searches_and_survive_a_rename(home, tmp_path, capsys):
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "neutral"
    lib.mkdir()
    files = _synthetic_library(lib, per_class=2, classes=UCS_CLASSES)
    index(home, [lib], BandEmbedder())
    assert main(["suggest", "--accept", "--min-confidence", "1.01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"accepted": 0}, "nothing is that confident"
    assert main(["suggest", "--accept", *files["rumble"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"accepted": 2}
    assert _hits(capsys, "cat:DSGNRmbl") == {os.path.basename(p) for p in files["rumble"]}

    moved = os.path.join(os.path.dirname(files["rumble"][0]), "renamed rumble.wav")
    os.rename(files["rumble"][0], moved)
    index(home, [lib], BandEmbedder())
    capsys.readouterr()
    assert _hits(capsys, "cat:DSGNRmbl") == {
        "renamed rumble.wav",
        os.path.basename(files["rumble"][1]),
    }
    assert main(["suggest", moved, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["catid"] == "DSGNRmbl"


def test_file_vectors_are_the_same_however_the_windows_arrive():
    """A content's windows may straddle batches: its mean is still over all of them."""
    import numpy as np

    from soundseek.classify.learn import file_means

    rng = np.random.default_rng(3)
    hashes = np.array(["b", "a", "b", "c", "a", "b"], dtype=object)
    vecs = rng.standard_normal((6, 4)).astype(np.float32)
    whole = file_means([(hashes, vecs)])
    split = file_means([(hashes[:2], vecs[:2]), (hashes[2:5], vecs[2:5]), (hashes[5:], vecs[5:])])
    assert whole[0] == split[0] == ["a", "b", "c"]
    b = vecs[[0, 2, 5]].sum(axis=0)
    assert np.allclose(split[1][1], b / np.linalg.norm(b), atol=1e-6)
    assert np.allclose(whole[1], split[1], atol=1e-6)
