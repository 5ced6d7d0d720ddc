from __future__ import annotations

import json

from soundseek.cli import main


def test_version(capsys):
    import pytest

    with pytest.raises(SystemExit) as ex:
        main(["--version"])
    assert ex.value.code == 0
    assert capsys.readouterr().out.startswith("soundseek 0.")


def test_new_user_flow_without_model(home, library, capsys):
    root = str(library["door"].parents[1])
    assert main(["add", "/no/such/folder"]) == 2
    assert main(["index"]) == 2, "indexing with no folders is a usage error"
    assert main(["add", root]) == 0
    assert main(["index"]) == 3, "no model: metadata indexed, exit code says the model is missing"
    err = capsys.readouterr().err
    assert "soundseek model import" in err
    doors = {"DOORWood_Creak Slow_JD_MYLIB_01.wav", "copy of door — take 2.wav"}
    assert main(["search", "creak", "--json"]) == 0
    out = capsys.readouterr()
    (hit,) = [json.loads(line) for line in out.out.splitlines()]  # one sound, two files
    assert {
        p.rsplit("/", 1)[-1] for p in [hit["path"], *(c["path"] for c in hit["copies"])]
    } == doors
    assert hit["copies"][0]["level"] == "identical"
    assert "no CLAP model" in out.err
    assert main(["search", "creak", "--json", "--all-copies"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {h["path"].rsplit("/", 1)[-1] for h in rows} == doors and not rows[0]["copies"]
    assert main(["search", "dur:<abc"]) == 2


def test_full_flow_with_tiny_model(home, library, installed_tiny, capsys):
    assert main(["add", str(library["door"].parents[1])]) == 0
    assert main(["index"]) == 0
    capsys.readouterr()
    assert main(["search", "door creak", "--limit", "3"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if not ln.startswith("      ")]
    assert len(lines) == 3 and lines[0].lstrip().startswith("1.")
    assert main(["similar", str(library["door"]), "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["path"].endswith("copy of door — take 2.wav") and first["sound"] == 1.0
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["files"], status["indexed"], status["unreadable"]) == (12, 9, 3)
    assert {e["reason"] for e in status["errors"]} >= {"empty file (0 bytes)"}
    assert status["model"] == "tiny" and status["model_installed"]
    assert status["device"] == "auto", "the preference: resolving it would import torch"
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "random.wav: not a readable audio file: unrecognised or corrupt" in text
    assert "Model: tiny (installed)" in text
    assert main(["similar", str(library["empty"])]) == 1
    outside = library["door"].parents[2] / "outside.wav"
    outside.write_bytes(library["door"].read_bytes())
    assert main(["similar", str(outside), "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert "door" in first["path"].lower() and first["sound"] == 1.0


def test_model_info_lists_known_models(home, capsys):
    assert main(["model", "info"]) == 0
    out = capsys.readouterr().out
    assert "laion/clap-htsat-unfused" in out and "not on disk" in out
    assert main(["model", "use", "laion/larger_clap_music"]) == 3


def test_code_in_a_model_pickle_is_refused_in_one_line(home, tiny_model_dir, tmp_path, capsys):
    from tests.tinyclap import RunsCode, pickle_only_copy

    evil = pickle_only_copy(tiny_model_dir, tmp_path / "evil", {"x": RunsCode()})
    assert main(["model", "import", str(evil)]) == 3
    out = capsys.readouterr()
    assert "refused: this checkpoint contains code, not only tensors" in out.err
    assert "Traceback" not in out.err + out.out and "this must never run" not in out.out
    assert len(out.err.strip().splitlines()) == 1


def test_unexpected_errors_are_one_line_here_and_a_traceback_in_the_log(home, capsys, monkeypatch):
    from soundseek.app import App

    def boom(self):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(App, "status", boom)
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("soundseek: unexpected error: RuntimeError: the disk caught fire")
    assert "Traceback" not in err and str(home.log_file) in err
    log = home.log_file.read_text()
    assert "Traceback" in log and "the disk caught fire" in log


def test_relocate_and_remove_from_the_command_line(home, library, tmp_path, capsys):
    import shutil

    root = library["door"].parents[1]
    assert main(["add", str(root)]) == 0
    assert main(["index", "--no-embed"]) == 0
    moved = tmp_path / "moved library"
    shutil.move(root, moved)
    assert main(["relocate", str(root), str(tmp_path)]) == 2, "no library file is there"
    assert main(["relocate", str(root), str(moved)]) == 0
    assert "nothing is re-embedded" in capsys.readouterr().out
    assert main(["search", "creak", "--json"]) == 0
    paths = [json.loads(line)["path"] for line in capsys.readouterr().out.splitlines()]
    assert paths and all(p.startswith(str(moved)) for p in paths)
    assert main(["remove", "/not/a/library/folder"]) == 2
    assert main(["remove", str(moved)]) == 0
