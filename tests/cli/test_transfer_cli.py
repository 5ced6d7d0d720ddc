"""`soundseek transfer`, `transfers` and `spot` as scripts use them: stable JSON keys, the
history, identical transfers reused (and re-rendered when the copy was changed), one-line
errors with the CLI's exit codes, nothing half-written on a full disk, and a spot that
reaches (a stand-in) Pro Tools at the session's rate."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import wavinfo

from soundseek.cli import main
from tests.helpers import run_json
from tests.transfer.ptsl_standin import wav_problems

KEYS = {"source", "status", "reason", "outputs", "rate", "bits", "channels", "frames", "format",
        "key", "preset"}  # fmt: skip


def _source(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Glass Shatter_96k.wav"
    rng = np.random.default_rng(7)
    sf.write(str(path), (rng.standard_normal((96_000, 2)) * 0.2).astype(np.float32), 96_000,
             subtype="PCM_24")  # fmt: skip
    return path


def test_transfer_json_history_reuse_and_again(home, tmp_path, capsys):
    src = _source(tmp_path / "lib")
    (first,) = run_json(capsys, "transfer", str(src), "--preset", "protools", "--json")
    assert set(first) == KEYS and first["status"] == "transferred"
    assert (first["rate"], first["bits"], first["preset"]) == (48_000, "24", "protools")
    out = Path(first["outputs"][0])
    assert out.parent == Path(os.environ["SOUNDSEEK_HOME"]).resolve() / "transfers"
    (again,) = run_json(capsys, "transfer", str(src), "--preset", "protools", "--json")
    assert again["status"] == "reused" and again["outputs"] == first["outputs"]
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # never rendered twice
    with open(out, "r+b") as fh:  # someone edits the copy: it is not trusted again
        fh.seek(-4, 2)
        fh.write(b"\x01\x02\x03\x04")
    (third,) = run_json(capsys, "transfer", str(src), "--preset", "protools", "--json")
    assert third["status"] == "transferred" and third["outputs"] != first["outputs"]
    history = run_json(capsys, "transfers", "--json")
    assert [h["outputs"] for h in history][:1] == [third["outputs"]]  # newest first
    assert {"id", "when", "source", "region", "preset", "outputs", "rate", "bits"} <= set(
        history[0]
    )
    (redo,) = run_json(capsys, "transfer", "--again", history[-1]["id"], "--json")
    assert redo["status"] == "reused" and redo["outputs"] == third["outputs"]  # the intact one


def test_flags_change_the_preset_and_bad_ones_are_usage_errors(home, tmp_path, capsys):
    src = _source(tmp_path / "lib")
    flags = ["--rate", "44.1k", "--bits", "16", "--channels", "mono", "--region", "0.2-0.7",
             "--handles", "50", "--name", "{name} T{take}",
             "--to", str(tmp_path / "out")]  # fmt: skip
    (done,) = run_json(capsys, "transfer", str(src), *flags, "--json")
    info = sf.info(done["outputs"][0])
    assert (info.samplerate, info.subtype, info.channels) == (44_100, "PCM_16", 1)
    assert info.frames == round(0.6 * 44_100)
    assert Path(done["outputs"][0]).name == "Glass Shatter_96k T01.wav"
    assert wavinfo.WavInfoReader(done["outputs"][0]).ixml.raw_xml.find("USER").findtext(
        "ORIGINALPATH") == str(src)  # fmt: skip
    capsys.readouterr()
    assert main(["transfer", str(src), "--rate", "12k"]) == 2
    assert main(["transfer", str(src), "--name", "{Nope}"]) == 2
    assert main(["transfer", str(src), "--preset", "cubase-ish"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "12000" in err[0] and "{Nope}" in err[1] and "presets:" in err[2]
    assert main(["transfer", str(tmp_path / "gone.wav"), "--preset", "protools"]) == 1
    assert "gone.wav" in capsys.readouterr().out


def test_a_full_disk_mid_write_is_one_line_and_leaves_nothing(home, tmp_path):
    """A write that fails half-way (the process's file-size limit stands in for a full disk,
    through the real write path) leaves no copy and no temporary file."""
    src = _source(tmp_path / "lib")
    dest = tmp_path / "dest"
    dest.mkdir()

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    cmd = [sys.executable, "-m", "soundseek", "transfer", str(src), "--rate", "96k",
           "--bits", "32f", "--to", str(dest), "--json"]  # fmt: skip
    run = subprocess.run(cmd, preexec_fn=limited, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.getcwd()})  # fmt: skip
    assert run.returncode == 1, run.stderr
    (line,) = run.stdout.splitlines()
    refused = json.loads(line)
    assert refused["status"] == "refused" and "file size limit" in refused["reason"]
    assert list(dest.iterdir()) == []


def test_spot_transfers_at_the_session_rate_and_lands_at_the_timecode(
    home, tmp_path, capsys, monkeypatch, ptsl_standin
):
    src = _source(tmp_path / "lib")
    monkeypatch.setenv("SOUNDSEEK_PTSL_ADDRESS", ptsl_standin.address)
    (spot,) = run_json(capsys, "spot", str(src), "--region", "0.2-0.7", "--at", "01:00:10:00",
                       "--json")  # fmt: skip
    assert spot["timecode"] == "01:00:10:00" and spot["new_tracks"] is True
    sent = ptsl_standin.last("Import").body
    (path,) = sent["audio_data"]["file_list"]
    assert wav_problems(path, 48_000) == [] and ptsl_standin.file_problems == []
    assert sent["audio_data"]["location_data"]["location_value"] == "01:00:10:00"
    assert sf.info(path).samplerate == 48_000 and sf.info(str(src)).samplerate == 96_000
    assert sf.info(path).frames == 24_000  # the region, at the session's rate
    ptsl_standin.version = (2, 0, 0)  # Pro Tools 2023.x
    capsys.readouterr()
    assert main(["spot", str(src)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert (len(err) == 1 and "older" in err[0]) or "2024.3" in err[0], err


def test_a_copy_says_what_the_user_accepted_in_soundseek(home, library, capsys):
    """The index's tags and the file's UCS fields travel with the copy into the DAW."""
    door = str(library["door"])
    before = library["door"].read_bytes()
    assert main(["add", str(library["door"].parents[1])]) == 0
    assert main(["index", "--no-embed"]) == 0
    assert main(["tag", "add", "keeper", door]) == 0
    (done,) = run_json(capsys, "transfer", door, "--preset", "protools", "--json")
    user = wavinfo.WavInfoReader(done["outputs"][0]).ixml.raw_xml.find("USER")
    assert user.findtext("CATID") == "DOORWood" and user.findtext("FXNAME") == "Creak Slow"
    assert user.findtext("KEYWORDS") == "hinge squeak, keeper"
    assert library["door"].read_bytes() == before  # the source is never touched


def test_a_duplicate_under_another_name_gets_a_copy_named_after_it(home, tmp_path, capsys):
    src = _source(tmp_path / "lib")
    twin = tmp_path / "lib" / "Glass Break Twin.wav"
    twin.write_bytes(src.read_bytes())
    done = run_json(capsys, "transfer", str(src), str(twin), "--preset", "ardour", "--json")
    assert [Path(d["outputs"][0]).name for d in done] == [src.name, twin.name]
    assert [d["status"] for d in done] == ["transferred", "transferred"]
