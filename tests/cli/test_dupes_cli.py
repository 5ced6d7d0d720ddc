"""`soundseek dupes` and `soundseek undo` after it, as a script uses them (no model: identical
audio is known from the content hash)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import soundfile as sf

from soundseek.cli import main
from tests.audiofiles import noise


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    """Two byte-identical takes, the older in lib/A (the keeper), indexed once."""
    base = tmp_path_factory.mktemp("dupes")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOUNDSEEK_HOME", str(base / "home"))
        (base / "lib" / "A").mkdir(parents=True)
        (base / "lib" / "B").mkdir()
        sf.write(base / "lib" / "A" / "take.wav", noise(0.05, seed=3), 48000)
        os.utime(base / "lib" / "A" / "take.wav", ns=(10**9, 10**9))
        shutil.copy(base / "lib" / "A" / "take.wav", base / "lib" / "B" / "take copy.wav")
        assert main(["add", str(base / "lib")]) == 0
        assert main(["index", "--no-embed"]) == 0
        yield base


def _run(capsys, *argv: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    rc = main(list(argv))
    return rc, capsys.readouterr().out.splitlines()


def test_json_lines_dry_run_and_usage_errors(lib, capsys):
    rc, lines = _run(capsys, "dupes", "--level", "identical", "--json")
    [group] = [json.loads(line) for line in lines]
    assert rc == 0 and group["level"] == "identical"
    assert [(os.path.basename(f["path"]), f["keeper"], f["offset_s"]) for f in group["files"]] == [
        ("take.wav", True, None), ("take copy.wav", False, None)]  # fmt: skip
    rc, lines = _run(capsys, "dupes", str(lib / "lib" / "B"), "--level", "identical")
    assert rc == 0 and lines[1].startswith("  keep ") and lines[2].startswith("  copy ")
    before = sorted(os.listdir(lib / "lib" / "B"))
    rc, lines = _run(capsys, "dupes", "--level", "identical", "--apply", "move", str(lib / "d"),
                     "--dry-run", "--json")  # fmt: skip
    assert rc == 0 and json.loads(lines[0])["status"] == "planned"
    assert sorted(os.listdir(lib / "lib" / "B")) == before and not (lib / "d").exists()
    assert main(["dupes", "--apply", "move"]) == 2, "a move needs its folder"
    assert main(["dupes", "--apply", "delete"]) == 2


def test_undo_puts_back_what_dupes_moved(lib, capsys):
    copy = lib / "lib" / "B" / "take copy.wav"
    data = copy.read_bytes()
    rc, lines = _run(capsys, "dupes", "--level", "identical", "--apply", "move", str(lib / "d"),
                     "--json")  # fmt: skip
    [moved] = [json.loads(line) for line in lines]
    assert rc == 0 and moved["status"] == "done" and not copy.exists()
    assert moved["new_path"] == str(lib / "d" / "take copy.wav")
    rc, lines = _run(capsys, "undo", "--json")
    [undone] = [json.loads(line) for line in lines]
    assert rc == 0 and undone["restored"] and undone["path"] == str(copy)
    assert set(undone) == {"path", "restored", "reason", "batch", "was"}
    assert copy.read_bytes() == data and os.listdir(lib / "d") == []
