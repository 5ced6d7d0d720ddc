"""Results end where relevance ends (issue 20, section 4), and notes say how each hit matched.

A library of tests.tinyclap's synthetic classes under neutral names is indexed with the trained
tiny CLAP; each class is searched by what a user types for it (tests.tinyclap.QUERIES, which
the model learned). Every hit carries a confidence (0-1) judged against the library's null
(search.confidence: on the library's own windows, how surely the query rather than one of the
UCS subcategories describes a window this close), and a divider: the strong matches above it.
Over the classes the strong sets must hold the classes (recall >= 0.9) and little else
(precision >= 0.9), no class may miss by more than a file; an unrelated query calls nothing
strong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from soundseek.cli import main
from tests.helpers import run_json, use_home_of
from tests.tinyclap import QUERIES, SOUND_CLASSES, index_class_library

PER_CLASS = 8  # 40 files
BAR = 0.9  # precision and recall of the strong set, per class


def class_query(name: str) -> str:
    """The class's UCS text, as the model learned it: "weather thunder", "animals dog"."""
    from soundseek.metadata.ucs import load_catalog

    entry = load_catalog().by_catid[SOUND_CLASSES[name][0]]
    return f"{entry.category} {entry.subcategory}".lower()


@pytest.fixture(scope="session")
def classes(trained_tiny_dir, tmp_path_factory):
    """A private home with the trained model imported and the class library indexed, once
    per test process (see test_zero_shot's library)."""
    root = tmp_path_factory.mktemp("relevance")
    return index_class_library(trained_tiny_dir, root, PER_CLASS, seed=7)


@pytest.fixture
def in_home(classes, monkeypatch):
    return use_home_of(classes, monkeypatch)


def _precision_recall(paths: list[str], mine: set[str]) -> tuple[float, float]:
    hit = len(set(paths) & mine)
    return (hit / len(paths) if paths else 1.0), hit / len(mine)


def _cut_exists(ranked: list[str], mine: set[str]) -> bool:
    """Whether some top-k of the ranking reaches the bar (the divider only cuts, never
    reorders: where no cut does, no confidence can)."""
    return any(min(_precision_recall(ranked[:k], mine)) >= BAR for k in range(1, len(ranked) + 1))


def strong_set_report(capsys, classes, query_of) -> dict[str, dict]:
    """Per class: its query, the strong set's size, what of it is the class, and the hits."""
    report = {}
    for name, paths in classes.items():
        hits = run_json(capsys, "search", query_of(name), "--json", "--limit", "100")
        strong = [h["path"] for h in hits if h["strong"]]
        report[name] = {"query": query_of(name), "strong": len(strong), "hits": len(hits),
                        "right": len(set(strong) & set(paths))}  # fmt: skip
    return report


@pytest.mark.parametrize("which", [0, 2], ids=["word", "phrase"])
def test_the_strong_matches_of_each_class_query_are_its_class(in_home, classes, capsys, which):
    """The issue's bar, precision >= 0.9 at recall >= 0.9, over the five classes' strong sets
    together, for a word ("thunder") and a phrase ("distant thunder") of each class; per class
    at most one file of the class below the divider and at most one other above it. Measured
    (PER_CLASS 8, seed 7; right/strong per class): rain 8/8, dog 8/8, whoosh 8/8, thunder 7/7
    (one thunder file below the divider), beeps 8/9 (one thunder file above it): 39 of 40
    strong hits right, 39 of 40 class files strong. And JSON keeps every hit."""
    report = strong_set_report(capsys, classes, lambda name: QUERIES[name][which])
    print("strong set per class:", json.dumps(report, indent=1))
    right = sum(r["right"] for r in report.values())
    strong = sum(r["strong"] for r in report.values())
    assert right / max(1, strong) >= BAR and right / (PER_CLASS * len(classes)) >= BAR, report
    for r in report.values():
        assert r["right"] >= PER_CLASS - 1 and r["strong"] - r["right"] <= 1, r
        assert r["hits"] == PER_CLASS * len(SOUND_CLASSES), "JSON keeps every hit"


@pytest.mark.parametrize("query", ["laser", "glass shattering"])
def test_an_unrelated_query_is_not_sure_of_anything(in_home, capsys, query):
    """A query no class of the library answers returned every file and its top hits showed
    sound 100% (a percentile among the library's own windows): now every hit is far from sure
    and none is strong (JSON still lists them all)."""
    hits = run_json(capsys, "search", query, "--json", "--limit", "100")
    assert len(hits) == PER_CLASS * len(SOUND_CLASSES)
    assert max(h["confidence"] for h in hits) < 0.5, hits[0]
    assert not any(h["strong"] for h in hits), [h["confidence"] for h in hits]


def test_json_confidence_strong_prefix_and_min_confidence(in_home, classes, capsys):
    """Each hit: `confidence` in 0-1 and `strong`, the strong ones first (the divider never
    reorders); --min-confidence keeps exactly the hits that sure; text mode prints a divider
    line "N weaker matches" (to stderr: stdout keeps one line per hit)."""
    query = class_query("rain")
    hits = run_json(capsys, "search", query, "--json", "--limit", "30")
    assert all(0.0 <= h["confidence"] <= 1.0 and isinstance(h["strong"], bool) for h in hits)
    flags = [h["strong"] for h in hits]
    assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    sure = run_json(capsys, "search", query, "--json", "--limit", "30", "--min-confidence", "0.9")
    assert [h["path"] for h in sure] == [h["path"] for h in hits if h["confidence"] >= 0.9]
    assert 0 < len(sure) < len(hits)
    capsys.readouterr()
    assert main(["search", query, "--limit", "30"]) == 0
    out = capsys.readouterr()
    weaker = len(hits) - sum(flags)
    assert len(out.out.splitlines()) == len(hits)
    assert f"--- {weaker} weaker matches ---" in out.err
    with pytest.raises(SystemExit) as bad:
        main(["search", query, "--min-confidence", "1.5"])
    assert bad.value.code == 2


QUICK = """
import contextlib, io, json, sys
from soundseek.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["search", sys.argv[1], "--json", "--limit", "40"])
heavy = sorted(m for m in ("torch", "lancedb") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue()}))
"""


def test_shell_search_and_the_full_searcher_agree_on_the_divider(in_home, capsys):
    """The instant shell path (no torch, no LanceDB) draws the same divider, from the same
    null (the null texts' vectors are kept in the cache folder, made once per model)."""
    from soundseek.app import App
    from soundseek.paths import app_paths

    query = class_query("beeps")
    run = subprocess.run([sys.executable, "-c", QUICK, query], env=dict(os.environ),
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["code"] == 0 and got["heavy"] == []
    quick = [json.loads(line) for line in got["out"].splitlines()]
    app = App.open(app_paths())
    app.models.load_model()
    full = app.search(query, 40).hits
    assert [h["path"] for h in quick if h["strong"]] == [h.path for h in full if h.strong]
    for q, f in zip(quick, full, strict=True):
        assert q["confidence"] == pytest.approx(f.confidence, abs=0.02)
    assert any((in_home / "data").rglob("captions-*.npy")), "kept beside the library"
    assert any((in_home / "data").rglob(".soundseek/text-vectors/captions-*.npy")), (
        "and beside the model"
    )


def test_more_like_this_is_sure_of_its_own_class(in_home, classes, capsys):
    """ "More like this" judges hits against how random library sounds resemble each other
    (in a library of five classes a fifth of that null is the same class, so only the
    closest are strong): the strong ones are the reference's class, and its class is surer
    than the rest."""
    for name in ("rain", "beeps"):
        hits = run_json(capsys, "similar", classes[name][0], "--json", "--limit", "40")
        mine = set(classes[name][1:])
        strong = [h["path"] for h in hits if h["strong"]]
        p, _ = _precision_recall(strong, mine)
        sure = [h["confidence"] for h in hits if h["path"] in mine]
        rest = [h["confidence"] for h in hits if h["path"] not in mine]
        assert strong and p >= 0.8 and min(sure) > sorted(rest)[len(rest) // 2], (name, hits)


def _tone_library(root: Path, names: list[str]) -> Path:
    import soundfile as sf

    from tests.audiofiles import tone

    for i, name in enumerate(names):  # each its own sound (one audio would be copies, one row)
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(root / name), tone(0.5, 300 + 37 * i), 48000)
    return root


def test_a_run_together_note_names_where_the_word_is(home, tmp_path, capsys):
    """8b: "explosion: part of a run-together word" came on a hit whose matched fields were
    empty (with a model: only "sound"). A hit's notes describe how it matched: the field that
    holds the run-together word counts as matched and the note names the word."""
    lib = _tone_library(tmp_path / "lib", ["bigexplosion01.wav", "door creak.wav"])
    assert main(["add", str(lib)]) == 0
    assert main(["index", "--no-embed"]) == 0
    hits = run_json(capsys, "search", "explosion", "--json")
    hit = next(h for h in hits if h["path"].endswith("bigexplosion01.wav"))
    assert hit["matched"] == ["filename"], hit
    assert hit["why"] == ['explosion: inside the run-together word "bigexplosion" in filename']
    assert all(h["why"] == [] for h in hits if not h["matched"])


def test_word_confidence_counts_how_much_of_the_query_matched(home, tmp_path, capsys):
    """Metadata only: a file named with every word of the query is sure; a file with one
    word of two is a weaker match, below the divider."""
    lib = _tone_library(tmp_path / "lib", ["explosion distant.wav", "explosion close.wav",
                                            "door creak.wav"])  # fmt: skip
    assert main(["add", str(lib)]) == 0
    assert main(["index", "--no-embed"]) == 0
    hits = {Path(h["path"]).name: h for h in run_json(capsys, "search", "distant explosion",
                                                        "--json")}  # fmt: skip
    assert hits["explosion distant.wav"]["confidence"] == 1.0
    assert hits["explosion distant.wav"]["strong"]
    assert hits["explosion close.wav"]["confidence"] == 0.5
    assert not hits["explosion close.wav"]["strong"]


def test_the_results_list_greys_weaker_matches_under_a_divider(qapp):
    """The window: weaker matches are greyed, and the Name header says how many there are."""
    from PySide6.QtCore import Qt

    from soundseek.index.tables.records import FileRecord
    from soundseek.search.hits import Hit
    from soundseek.ui.results_model import ResultsModel

    def hit(rank: int, strong: bool) -> Hit:
        rec = FileRecord(root_id="r", relpath=f"f{rank}.wav")
        return Hit(f"/x/f{rank}.wav", rank, 1.0 / rank, 0.5, None, None, ["sound"], rec,
                   confidence=0.9 if strong else 0.3, strong=strong)  # fmt: skip

    model = ResultsModel()
    model.set_hits([hit(1, True), hit(2, True), hit(3, False), hit(4, False)])
    header = model.headerData(0, Qt.Orientation.Horizontal)
    assert "2 weaker matches" in header
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.data(model.index(0, 0), fg) is None
    assert model.data(model.index(2, 0), fg) is not None
    assert "30% sure, a weaker match" in model.data(model.index(2, 0),
                                                    Qt.ItemDataRole.ToolTipRole)  # fmt: skip


def test_a_search_over_two_libraries_draws_one_divider():
    """A team library and this machine's own index: the merged list keeps one divider (the
    strong hits first), not each library's flags interleaved."""
    from soundseek.index.tables.records import FileRecord
    from soundseek.search.combined import merge
    from soundseek.search.hits import Hit, SearchResult

    def hit(name: str, score: float, confidence: float, strong: bool) -> Hit:
        rec = FileRecord(root_id="r", relpath=f"{name}.wav", content_hash=name)
        return Hit(f"/x/{name}.wav", 1, score, None, None, None, ["filename"], rec,
                   confidence=confidence, strong=strong)  # fmt: skip

    shared = SearchResult([hit("a", 1.0, 0.95, True), hit("b", 0.6, 0.85, True)])
    own = SearchResult([hit("c", 0.8, 0.3, False), hit("d", 0.5, 0.2, False)])
    merged = merge([shared, own], 10, [])
    assert [h.path[-5] for h in merged.hits] == ["a", "c", "b", "d"]
    assert [h.strong for h in merged.hits] == [True, True, True, False]
