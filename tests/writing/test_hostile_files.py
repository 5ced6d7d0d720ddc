"""Files and arguments a hostile (or merely old) library holds: AIFFs sox must still read after
a write, names that are not UTF-8, arguments that are not what they claim, renames that must
carry what SoundSeek knows about a file."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from soundseek.cli import main
from tests.audiofiles import noise, tone

SOX = shutil.which("sox")
needs_sox = pytest.mark.skipif(SOX is None, reason="sox is not installed")


def _setup(folder: Path, tag_files: list[Path], tag: str = "keeper") -> None:
    assert main(["add", str(folder)]) == 0
    assert main(["index", "--no-embed"]) == 0
    assert main(["tag", "add", tag, *map(str, tag_files)]) == 0


# --- AIFF chunk layout (issue 20, 2.10) ---------------------------------------------------


def _iff_chunks(raw: bytes) -> list[tuple[bytes, int, int]]:
    """(id, offset, data size) of each chunk inside an AIFF's FORM."""
    out, at = [], 12
    while at + 8 <= len(raw):
        size = struct.unpack_from(">I", raw, at + 4)[0]
        out.append((raw[at : at + 4], at, size))
        at += 8 + size + size % 2
    return out


def _id3_tag(title: str) -> bytes:
    """A small ID3v2.4 tag with a title frame, even in size, as an editor might leave it."""
    text = b"\x03" + title.encode()
    frame = b"TIT2" + _synchsafe(len(text)) + b"\x00\x00" + text
    body = frame + b"\x00" * (len(frame) % 2)  # 10 + body: even
    return b"ID3\x04\x00\x00" + _synchsafe(len(body)) + body


def _synchsafe(n: int) -> bytes:
    return bytes((n >> s) & 0x7F for s in (21, 14, 7, 0))


def _aiff_with_id3_first(path: Path, subtype: str) -> Path:
    """An AIFF (or AIFF-C, which libsndfile writes for float) whose ID3 chunk stands before
    COMM, as some editors write it."""
    sf.write(str(path), tone(0.5, 600), 48000, subtype=subtype, format="AIFF")
    raw = path.read_bytes()
    tag = _id3_tag("Take D")
    chunk = b"ID3 " + struct.pack(">I", len(tag)) + tag
    body = raw[8:12] + chunk + raw[12:]
    path.write_bytes(b"FORM" + struct.pack(">I", len(body)) + body)
    return path


def _sox_samples(path: Path) -> int | None:
    done = subprocess.run([SOX, "--i", "-s", str(path)], capture_output=True, text=True)
    return int(done.stdout) if done.returncode == 0 else None


@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])  # AIFF, and AIFF-C
def test_written_aiff_keeps_its_id3_after_the_sound_data_and_sox_reads_it(home, tmp_path, subtype):
    from mutagen.aiff import AIFF

    from soundseek.metadata.tagedit import read_user_tags

    lib = tmp_path / "lib"
    lib.mkdir()
    aiff = _aiff_with_id3_first(lib / "take.aif", subtype)
    if SOX:
        assert _sox_samples(aiff) == 24000, "sox reads the original"
    _setup(lib, [aiff], tag="rain")
    assert main(["write"]) == 0

    assert read_user_tags(str(aiff))["KEYWORDS"] == "rain"
    assert str(AIFF(str(aiff)).tags["TIT2"]) == "Take D", "the editor's own frame is kept"
    chunks = _iff_chunks(aiff.read_bytes())
    ids = [cid for cid, _, _ in chunks]
    assert ids.count(b"ID3 ") == 1 and ids.index(b"ID3 ") > ids.index(b"SSND")
    assert all(size % 2 == 0 for cid, _, size in chunks if cid == b"ID3 ")
    assert sf.info(str(aiff)).frames == 24000
    if SOX:
        assert _sox_samples(aiff) == 24000, "sox reads the written file"


@needs_sox
def test_a_copy_sox_cannot_read_is_refused(tmp_path):
    """The verifier asks sox too: an odd ID3 chunk before the sound data (FFmpeg and
    libsndfile read it, sox stops with "no sound data") never replaces the original."""
    from soundseek.errors import WriteRefused
    from soundseek.metadata.fields import MetadataChange
    from soundseek.metadata.tagedit import write_tags
    from soundseek.writing.verify import verify_tagged

    original = tmp_path / "take.aiff"
    sf.write(str(original), noise(0.5, seed=5), 48000, subtype="PCM_16", format="AIFF")
    change = MetadataChange(keywords="rain")
    good = tmp_path / "good.aiff"
    shutil.copyfile(original, good)
    write_tags(str(good), change)
    verify_tagged(str(original), str(good), change)

    raw = good.read_bytes()
    chunks = {cid: (at, size) for cid, at, size in _iff_chunks(raw)}
    at, size = chunks[b"ID3 "]
    tag = raw[at + 8 : at + 8 + size] + b"\x00" * (1 - size % 2)  # odd: one more byte
    odd = b"ID3 " + struct.pack(">I", len(tag)) + tag + b"\x00"
    body = raw[8:12] + odd + raw[12:at]
    bad = tmp_path / "bad.aiff"
    bad.write_bytes(b"FORM" + struct.pack(">I", len(body)) + body)
    assert sf.info(str(bad)).frames == 24000 and _sox_samples(bad) is None
    with pytest.raises(WriteRefused, match="sox"):
        verify_tagged(str(original), str(bad), change)


# --- names that are not UTF-8 (issue 20, 2.11) --------------------------------------------

BAD_NAME = b"bad_\xff\xfe.wav"


def _write_bytes_named(folder: Path, name: bytes, samples) -> str:
    """A WAV under a name that is not UTF-8, created through the bytes API as an old sample
    CD's files arrive; returns the path as Python spells it (surrogate escapes)."""
    buf = io.BytesIO()
    sf.write(buf, samples, 48000, format="WAV", subtype="PCM_16")
    fd = os.open(os.path.join(os.fsencode(folder), name), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, buf.getvalue())
    finally:
        os.close(fd)
    return os.fsdecode(os.path.join(os.fsencode(folder), name))


def _printed(argv: list[str]) -> bytes:
    """What a command prints to a UTF-8 terminal (strict: a lone surrogate raises there)."""
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    saved, sys.stdout = sys.stdout, out
    try:
        assert main(argv) == 0
    finally:
        sys.stdout = saved
        out.detach()
    return raw.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16")
def test_a_name_that_is_not_utf8_is_indexed_found_printed_and_written(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(str(lib / "good.wav"), tone(0.5, 500), 48000)
    sf.write(str(lib / "other.wav"), noise(0.5, seed=1), 48000)
    bad = _write_bytes_named(lib, BAD_NAME, noise(0.5, seed=2))

    assert main(["add", str(lib)]) == 0
    assert main(["index", "--no-embed"]) == 0, "one odd name never stops the run"
    status = json.loads(_printed(["status", "--json"]))
    assert (status["files"], status["unreadable"]) == (3, 0)

    lines = _printed(["search", "bad", "--json"]).decode("utf-8").splitlines()  # valid UTF-8
    hits = [json.loads(line) for line in lines]
    assert [os.fsencode(h["path"]) for h in hits] == [os.fsencode(bad)], "the exact name"
    assert os.path.isfile(hits[0]["path"])
    assert BAD_NAME in _printed(["search", "bad"]), "printed as its own bytes, as ls does"

    assert main(["tag", "add", "rain", bad]) == 0
    assert main(["write"]) == 0
    with open(bad, "rb") as fh:
        from soundseek.files.riff import read_wav_chunks

        assert read_wav_chunks(fh).ixml_user.get("KEYWORDS") == "rain"
    assert main(["undo"]) == 0


def test_stored_names_map_back_to_the_exact_name():
    from soundseek.files import names

    tricky = ("plain.wav", "Klänge/Tür.wav", "bad_\udcff\udcfe.wav", "a\\b.wav", "lit_\\xff.wav",
              "two\\\\x80.wav", "end\\", "\\\udcff", "w_\ud800.wav")  # fmt: skip
    for name in tricky:
        stored = names.encode(name)
        assert stored.encode("utf-8") and names.decode(stored) == name, name
    assert names.encode("Klänge/Tür.wav") == "Klänge/Tür.wav", "valid names are kept as is"
    assert names.encode("a\\b.wav") == "a\\b.wav"
    assert names.encode("bad_\udcff\udcfe.wav") == "bad_\\xff\\xfe.wav"
    assert names.readable("Kl\udce4nge") == "Klänge"


def test_a_reader_failing_on_one_file_records_it_and_the_run_goes_on(home, tmp_path, monkeypatch):
    import soundseek.ingest.describe as describe
    from tests.helpers import app_with

    lib = tmp_path / "lib"
    lib.mkdir()
    for i, name in enumerate(("a.wav", "odd.wav", "c.wav")):
        sf.write(str(lib / name), noise(0.3, seed=i), 48000)
    real = describe.read_metadata

    def failing(path, catalog=None):
        if path.endswith("odd.wav"):
            raise UnicodeEncodeError("utf-8", path, 0, 1, "surrogates not allowed")
        return real(path, catalog)

    monkeypatch.setattr(describe, "read_metadata", failing)
    assert main(["add", str(lib)]) == 0
    assert main(["index", "--no-embed"]) == 0
    status = app_with(home).status()
    assert status.files == 3
    assert [(Path(e.path).name, "UnicodeEncodeError" in e.reason) for e in status.errors] == [
        ("odd.wav", True)
    ]


# --- arguments that are not what they claim (issue 20, 2.12) ------------------------------


def _one_line_reason(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "unexpected error" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    ("flag", "value"), [("--endpoint", "notaurl"), ("--endpoint", "http://nas:port"),
                        ("--endpoint", "ftp://nas"), ("--region", "eu west")]
)  # fmt: skip
def test_location_set_with_a_bad_endpoint_or_region_says_why(home, capsys, flag, value):
    assert main(["location", "set", "s3://bucket/lib", flag, value]) == 2
    assert repr(value) in _one_line_reason(capsys)
    assert main(["location", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["location"] == "local", "nothing was changed"


@pytest.mark.parametrize("at", ["nan", "inf", "-3"])
def test_similar_at_a_moment_that_is_not_a_time_says_why(installed_tiny, tmp_path, capsys, at):
    outside = tmp_path / "outside.wav"  # not in the library: SoundSeek listens to it
    sf.write(str(outside), tone(1.0, 300), 48000)
    assert main(["similar", str(outside), "--at", at]) == 2
    assert "seconds" in _one_line_reason(capsys)


def test_a_journal_path_that_is_a_file_is_a_one_line_reason(home, tmp_path, capsys):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(str(lib / "take.wav"), tone(0.5, 500), 48000)
    _setup(lib, [lib / "take.wav"])
    journal = Path(os.environ["SOUNDSEEK_HOME"]) / "data" / "journal"
    journal.write_text("not a folder")
    capsys.readouterr()
    before = (lib / "take.wav").read_bytes()
    assert main(["write"]) == 1
    assert "is a file" in _one_line_reason(capsys)
    assert main(["undo"]) == 1
    assert "is a file" in _one_line_reason(capsys)
    assert (lib / "take.wav").read_bytes() == before and journal.read_text() == "not a folder"


# --- a rename carries what SoundSeek knows of the file (issue 20, "also seen") ------------


def _tagged_door_takes(home, tmp_path, n: int):
    """`n` UCS door takes (CatID and FXName in iXML) in a library with creator and source
    set, indexed by the band stand-in model and tagged "hinge": ready for `write --rename`."""
    from soundseek.app import App
    from tests.audiofiles import ixml_bytes, write_bwf
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "lib"
    lib.mkdir()
    takes = [write_bwf(lib / f"take{i}.wav", tone(1.0, 300 + 400 * i),
                       ixml=ixml_bytes({"CATID": "DOORWood", "FXNAME": f"Creak{i}"}))
             for i in range(n)]  # fmt: skip
    App.open(home).update_settings(ucs_creator_id="JD", ucs_source_id="MYLIB")
    index(home, [lib], BandEmbedder())
    assert main(["tag", "add", "hinge", *map(str, takes)]) == 0
    return lib, takes


def test_write_rename_keeps_vectors_tags_and_categories_under_the_new_names(home, tmp_path, capsys):
    from tests.fakeembed import BandEmbedder
    from tests.helpers import app_with, index

    lib, _ = _tagged_door_takes(home, tmp_path, 3)
    capsys.readouterr()

    assert main(["write", "--rename", "--json"]) == 0
    renamed = [json.loads(line)["new_path"] for line in capsys.readouterr().out.splitlines()]
    assert sorted(Path(p).name for p in renamed) == [
        f"DOORWood_Creak{i}_JD_MYLIB.wav" for i in range(3)
    ]
    status = app_with(home).status()
    assert (status.files, status.indexed, status.pending) == (3, 3, 0), "no file waits"
    assert main(["search", "tag:hinge", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(h["path"] for h in hits) == sorted(renamed)
    assert {h["category"] for h in hits} == {"DOORS"}
    app = app_with(home, BandEmbedder())
    similar = app.similar(renamed[0], limit=5)
    assert similar.hits and all(h.path in renamed for h in similar.hits), "its vectors came along"

    again = BandEmbedder()
    index(home, [lib], again)
    assert again.windows_seen == 0, "nothing to embed again"


def test_a_write_killed_after_its_renames_leaves_the_next_write_working(
    home, tmp_path, capsys, monkeypatch
):
    """The index learns a batch's renames when the batch ends; killed before that, the next
    write moves the renamed rows (vectors included) instead of refusing the files."""
    from soundseek.app.write_service import Writes
    from tests.helpers import app_with

    _, takes = _tagged_door_takes(home, tmp_path, 2)
    with monkeypatch.context() as m:  # killed before the index heard of the renames
        m.setattr(Writes, "_after_write", lambda self, written: None)
        assert main(["write", "--rename"]) == 0
    assert not any(t.exists() for t in takes)
    capsys.readouterr()

    assert main(["write", "--rename", "--json"]) == 0
    outcomes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "refused" not in {o["status"] for o in outcomes}, outcomes
    status = app_with(home).status()
    assert (status.files, status.indexed, status.pending) == (2, 2, 0)
    assert main(["search", "tag:hinge", "--json"]) == 0
    found = sorted(Path(json.loads(x)["path"]).name for x in capsys.readouterr().out.splitlines())
    assert found == ["DOORWood_Creak0_JD_MYLIB.wav", "DOORWood_Creak1_JD_MYLIB.wav"]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16")
def test_a_name_that_is_not_utf8_drags_as_a_file_a_daw_can_open(home, tmp_path):
    from PySide6.QtCore import QUrl

    from tests.helpers import app_with

    bad = _write_bytes_named(tmp_path, b"Kl\xe4nge_\xff.wav", noise(1.0, seed=3))
    app = app_with(home)
    for region in (None, (0.25, 0.75)):
        dragged = app.media.drag_file(bad, region)
        assert QUrl.fromLocalFile(dragged).toLocalFile() == dragged, "the URL names it exactly"
        assert sf.info(dragged).frames == (48000 if region is None else 24000)
    whole = app.media.drag_file(bad)
    assert os.path.basename(whole) == "Klänge_ÿ.wav" and os.path.samefile(whole, bad)
    assert app.media.drag_file(bad) == whole, "dragged again: the same link"


@pytest.mark.parametrize(
    "argv",
    [["search", "door", "--limit", "-1"], ["search", "door", "--limit", "0"],
     ["similar", "x.wav", "--limit", "-4"], ["index", "--batch", "-3"],
     ["index", "--workers", "-2"], ["watch", "--rescan", "nan"], ["watch", "--rescan", "0"]],
)  # fmt: skip
def test_counts_and_intervals_that_are_not_are_usage_errors(home, capsys, argv):
    """Before: an empty result (--limit -1), a rescan loop with no pause (nan), silently."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert f"{argv[-1]!r} is not" in capsys.readouterr().err
