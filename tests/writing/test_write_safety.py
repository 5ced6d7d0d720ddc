"""`write` as a user drives it: a dry run says what would happen, and a rerun after a killed
`write --rename` finds the renamed files through the journal."""

from __future__ import annotations

import json
from pathlib import Path

from soundseek.cli import main
from tests.audiofiles import ixml_bytes, tone, write_bwf


def _setup(folder: Path, tag_files: list[Path], tag: str = "keeper") -> None:
    assert main(["add", str(folder)]) == 0
    assert main(["index", "--no-embed"]) == 0
    assert main(["tag", "add", tag, *map(str, tag_files)]) == 0


def test_a_dry_run_says_what_would_happen_to_each_file(home, tmp_path, capsys):
    lib = tmp_path / "lib"
    lib.mkdir()
    wav = write_bwf(lib / "x.wav", tone(0.3, 400))
    done = write_bwf(lib / "done.wav", tone(0.3, 500), ixml=ixml_bytes({"KEYWORDS": "keeper"}))
    _setup(lib, [wav, done])
    capsys.readouterr()
    assert main(["write", "--dry-run"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[-1]: line for line in out.splitlines() if str(lib) in line}
    assert lines[str(done)].startswith("nothing to write"), out
    assert lines[str(wav)].startswith("would write 1 field"), out
    assert "unchanged" not in out
    assert "dry run: 1 file would be written, 1 file with nothing to write" in out
    assert main(["write", "--dry-run", "--json"]) == 0
    outs = {Path(o["path"]).name: o for o in map(json.loads, capsys.readouterr().out.splitlines())}
    assert outs["done.wav"]["status"] == "unchanged", "existing --json keys keep their meaning"
    assert outs["done.wav"]["action"] == "nothing to write"
    assert outs["x.wav"]["action"] == "would write 1 field"


def test_a_rerun_after_a_killed_rename_finds_the_renamed_files(home, tmp_path, capsys):
    from soundseek.app import App, writing
    from soundseek.index.store import Store
    from soundseek.writing.plan import Naming

    lib = tmp_path / "lib"
    lib.mkdir()
    take = write_bwf(lib / "take1.wav", tone(0.3, 300),
                     ixml=ixml_bytes({"CATID": "DOORWood", "FXNAME": "Creak"}))  # fmt: skip
    app = App.open(home)
    app.update_settings(ucs_creator_id="JD", ucs_source_id="LIB")
    _setup(lib, [take])
    # `write --rename`, killed after the files were renamed, before the index learnt it
    with Store(home.store_dir) as store:
        records, _ = writing.chosen_records(store, writing.Selection(paths=[str(take)]))
        plans = writing.plan_writes(store, records, Naming("JD", "LIB"), rename=True)
    written = list(writing.write(app.journal_dir, writing.planned(plans), False, None))
    renamed = lib / "DOORWood_Creak_JD_LIB.wav"
    assert [p.outcome.new_path for p in written] == [str(renamed)] and not take.exists()
    assert main(["tag", "add", "second", str(take)]) == 0  # the index still knows take1.wav
    capsys.readouterr()
    assert main(["write", "--rename", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["path"]) == ("written", str(renamed)), out
    from soundseek.metadata.reader import read_metadata

    assert "second" in read_metadata(str(renamed)).keywords


def test_write_by_a_filter_query_takes_every_file_that_passes_it(home, tmp_path, capsys,
                                                                 monkeypatch):  # fmt: skip
    """`write --query tag:keeper` wrote only the first 400 tagged files (the word side's
    candidate cap), silently; a word query wrote every hit, weaker matches too. Now a filter
    takes every file that passes it, a word query its strong matches."""
    from soundseek.search import fusion, searcher

    monkeypatch.setattr(fusion, "TEXT_CANDIDATES", 3)  # the cap, small: 8 files cross it
    monkeypatch.setattr(searcher, "TEXT_CANDIDATES", 3)
    lib = tmp_path / "lib"
    lib.mkdir()
    kept = [write_bwf(lib / f"keeper {i}.wav", tone(0.2, 300 + 50 * i)) for i in range(8)]
    other = write_bwf(lib / "door creak.wav", tone(0.2, 200))
    _setup(lib, kept)
    assert main(["tag", "add", "door", str(other)]) == 0
    capsys.readouterr()
    assert main(["write", "--dry-run", "--json", "--query", "tag:keeper"]) == 0
    planned = {Path(o["path"]).name for o in map(json.loads, capsys.readouterr().out.splitlines())}
    assert planned == {p.name for p in kept}
    assert main(["write", "--dry-run", "--json", "--query", "door"]) == 0
    planned = {Path(o["path"]).name for o in map(json.loads, capsys.readouterr().out.splitlines())}
    assert planned == {"door creak.wav"}, "a word query writes what it really matches"


def test_a_name_that_is_not_utf8_gets_a_readable_fx_name_and_never_stops_the_batch():
    """The FXName of an accepted category comes from the file's name: as written (no joined
    compounds, whole words), and readable when the name is not UTF-8; a value that still
    cannot be written as text refuses that file, never the batch ("unexpected error:
    UnicodeEncodeError" stopped a 199-file write on a real corpus)."""
    from types import SimpleNamespace

    from soundseek.writing.plan import fx_name_for

    def fx(name: str) -> str:
        return fx_name_for(SimpleNamespace(fx_name="", description="", path=f"/x/{name}"))

    assert fx("HandClap-Hard.wav") == "Hand Clap Hard"
    assert fx("SabianHatSemiOpen-Hard.flac") == "Sabian Hat Semi Open Hard"
    assert fx("x01_u8.wav") == "X01 U8"
    assert fx("bad_\udcff\udcfe.wav").encode("utf-8")  # readable text, no surrogates


def test_a_value_that_cannot_be_written_refuses_that_file_only(tmp_path):
    import pytest

    from soundseek.errors import WriteRefused
    from soundseek.metadata.fields import MetadataChange
    from soundseek.writing.journal import JournalWriter
    from soundseek.writing.safefile import write_file

    wav = write_bwf(tmp_path / "a.wav", tone(0.2, 300))
    before = wav.read_bytes()
    journal = JournalWriter(tmp_path / "journal")
    with pytest.raises(WriteRefused):
        write_file(str(wav), MetadataChange(fx_name="Bad \udcff", catid="DOORWood"), journal, 0)
    journal.close()
    assert wav.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".soundseek-tmp")]
