"""Writing metadata back into files: what pro tools read is there, everything else is exactly
as it was, nothing is ever half-written, and `undo` puts every byte back."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from soundseek.cli import main
from tests.audiofiles import (
    _chunk,
    bext_bytes,
    ixml_bytes,
    noise,
    tone,
    write_bwf,
    write_ffmpeg,
    write_mp3,
    write_tagged_flac,
    write_tagged_ogg,
)


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p): _digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _with_chunks(path: Path, before_data: bytes, after_data: bytes) -> Path:
    """Add chunks SoundSeek does not know (a cue list, vendor data) around the data chunk."""
    raw = path.read_bytes()
    at = raw.index(b"data")
    raw = raw[:at] + before_data + raw[at:] + after_data
    path.write_bytes(raw[:4] + struct.pack("<I", len(raw) - 8) + raw[8:])
    return path


def _data_payload(path: Path) -> bytes:
    raw = path.read_bytes()
    at = raw.index(b"data")
    size = struct.unpack_from("<I", raw, at + 4)[0]
    return raw[at + 8 : at + 8 + size]


def _json_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _setup(home, folder: Path, tag_files: list[Path], tag: str = "keeper") -> None:
    assert main(["add", str(folder)]) == 0
    assert main(["index", "--no-embed"]) == 0
    assert main(["tag", "add", tag, *map(str, tag_files)]) == 0


def test_wave_write_keeps_every_byte_it_does_not_own_and_undo_restores_it(home, tmp_path, capsys):
    from wavinfo import WavInfoReader

    lib = tmp_path / "lib"
    lib.mkdir()
    vendor = _chunk(b"SMED", b"\x07" * 33)  # odd size: its pad byte must survive too
    wav = _with_chunks(
        write_bwf(
            lib / "take_01.wav",
            noise(1.5, seed=1),
            bext=bext_bytes("Old door, slow creak", "JD Sound"),
            ixml=ixml_bytes({"LIBRARY": "MyLib"}, note="recorder note"),
        ),
        vendor,
        _chunk(b"_PMX", b"<xmp/>"),
    )
    original, audio = wav.read_bytes(), _data_payload(wav)
    _setup(home, lib, [wav])
    capsys.readouterr()
    assert main(["write", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["format"]) == ("written", "WAVE")
    assert out["fields"]["keywords"] == "keeper"

    new = wav.read_bytes()
    assert _data_payload(wav) == audio, "audio bytes unchanged"
    assert vendor in new and _chunk(b"_PMX", b"<xmp/>") in new, "unknown chunks kept as-is"
    info = WavInfoReader(str(wav), info_encoding="utf-8", bext_encoding="utf-8")
    assert info.bext.description == "Old door, slow creak"
    assert info.bext.originator == "JD Sound", "the rest of bext is kept"
    user = info.ixml.raw_xml.find("USER")
    assert user.findtext("KEYWORDS") == "keeper" and user.findtext("LIBRARY") == "MyLib"
    assert info.ixml.raw_xml.findtext("NOTE") == "recorder note"
    assert info.info.keywords == "keeper"
    assert sf.info(str(wav)).frames == int(1.5 * 48000)

    assert main(["undo"]) == 0
    assert wav.read_bytes() == original


def _formats(lib: Path) -> dict[str, Path]:
    from mutagen.aiff import AIFF

    f = {
        "flac": write_tagged_flac(lib / "a.flac", noise(1.0, seed=2), title="Take A"),
        "ogg": write_tagged_ogg(lib / "b.ogg", noise(1.0, seed=3), title="Take B"),
        "mp3": write_mp3(lib / "c.mp3", tone(1.0, 500), title="Take C"),
        "aiff": lib / "d.aiff",
        "opus": lib / "e.opus",
    }
    sf.write(str(f["aiff"]), tone(1.0, 700), 48000, subtype="PCM_16")
    AIFF(str(f["aiff"])).add_tags()  # an empty ID3 chunk, as some editors leave
    sf.write(str(f["opus"]), noise(1.0, seed=4), 48000, format="OGG", subtype="OPUS")
    return f


def test_each_tagged_format_is_written_read_back_independently_and_undone(home, tmp_path, capsys):
    from soundseek.files.fingerprint import content_hash
    from soundseek.metadata.tagedit import read_user_tags

    lib = tmp_path / "lib"
    lib.mkdir()
    files = _formats(lib)
    before = _snapshot(lib)
    hashes = {k: content_hash(str(p)) for k, p in files.items()}
    _setup(home, lib, list(files.values()), tag="rain")
    capsys.readouterr()
    assert main(["write", "--json"]) == 0
    outs = {
        Path(o["path"]).suffix: o for o in map(json.loads, capsys.readouterr().out.split("\n")[:-1])
    }
    assert {o["status"] for o in outs.values()} == {"written"}
    assert outs[".opus"]["format"] == "Opus" and outs[".aiff"]["format"] == "AIFF"
    for kind, path in files.items():
        assert read_user_tags(str(path))["KEYWORDS"] == "rain", kind
        assert content_hash(str(path)) == hashes[kind], f"{kind}: fingerprint is of audio only"
    assert _snapshot(lib) != before
    kept = _kept_bytes(Path(os.environ["SOUNDSEEK_HOME"]))
    for kind in ("flac", "mp3", "aiff"):  # the journal holds their tags, not their audio
        assert kept[str(files[kind])] < files[kind].stat().st_size / 4, kind
    assert main(["undo", "--json"]) == 0
    assert _snapshot(lib) == before, "undo restores every file byte for byte"


def test_rf64_write_uses_ds64_sizes(home, tmp_path, capsys):
    from soundseek.metadata.riffedit import read_layout

    lib = tmp_path / "lib"
    lib.mkdir()
    rf = lib / "long take.wav"
    sf.write(str(rf), noise(1.0, seed=7), 48000, format="RF64", subtype="PCM_24")
    assert rf.read_bytes()[:4] == b"RF64"
    audio = rf.read_bytes()
    _setup(home, lib, [rf])
    assert main(["write"]) == 0
    raw = rf.read_bytes()
    assert raw[:4] == b"RF64" and raw[4:8] == b"\xff\xff\xff\xff"
    ds64_riff = struct.unpack_from("<Q", raw, raw.index(b"ds64") + 8)[0]
    assert ds64_riff == len(raw) - 8, "ds64 holds the new RIFF size"
    assert sf.info(str(rf)).frames == 48000
    with open(rf, "rb") as fh:
        assert read_layout(fh).find(b"data").size == 48000 * 3
    assert main(["undo"]) == 0
    assert rf.read_bytes() == audio


def test_rf64_over_4gb_data_size_is_read_from_ds64(tmp_path):
    """A > 4 GB RF64 (sparse, so the test writes almost nothing): the layout SoundSeek writes
    from takes the data size from ds64, not the 32-bit field."""
    from soundseek.metadata.riffedit import read_layout

    size = 5 * 1024**3
    fmt = struct.pack("<HHIIHH", 1, 2, 48000, 48000 * 4, 4, 16)
    ds64 = struct.pack("<QQQI", 0, size, size // 4, 0)
    head = b"RF64\xff\xff\xff\xffWAVE" + _chunk(b"ds64", ds64) + _chunk(b"fmt ", fmt)
    head += b"data\xff\xff\xff\xff"
    path = tmp_path / "huge.wav"
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(len(head) + size)
    with open(path, "rb") as fh:
        layout = read_layout(fh)
    data = layout.find(b"data")
    assert data.size == size and data.payload == len(head)


def test_read_only_and_damaged_files_are_refused_with_a_reason(home, tmp_path, capsys):
    lib = tmp_path / "lib"
    lib.mkdir()
    locked = write_bwf(lib / "locked.wav", tone(0.5, 400))
    cut = write_bwf(lib / "cut.wav", tone(0.5, 800))
    wv = write_ffmpeg(lib / "pack.wv", tone(0.5, 600), 48000, "wavpack", "wv", "s16p")
    _setup(home, lib, [locked, cut, wv])
    cut.write_bytes(cut.read_bytes()[:-1000])  # truncated after indexing
    os.chmod(locked, 0o444)
    before = _snapshot(lib)
    capsys.readouterr()
    assert main(["write", "--json"]) == 1
    outs = {
        Path(o["path"]).name: o for o in map(json.loads, capsys.readouterr().out.split("\n")[:-1])
    }
    assert outs["locked.wav"]["status"] == "refused" and "read-only" in outs["locked.wav"]["reason"]
    assert outs["cut.wav"]["status"] == "refused" and "end of the file" in outs["cut.wav"]["reason"]
    assert "writes metadata into WAV" in outs["pack.wv"]["reason"]
    assert _snapshot(lib) == before, "refused files are untouched, no temporary file is left"


def test_dry_run_shows_the_change_and_writes_nothing(home, tmp_path, capsys):
    lib = tmp_path / "lib"
    lib.mkdir()
    wav = write_bwf(lib / "x.wav", tone(0.5, 400), ixml=ixml_bytes({"KEYWORDS": "hinge"}))
    write_bwf(lib / "other.wav", tone(0.5, 900))
    _setup(home, lib, [wav])
    before = _snapshot(lib)
    capsys.readouterr()
    assert main(["write", "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "planned"
    assert (out["before"]["keywords"], out["fields"]["keywords"]) == ("hinge", "hinge, keeper")
    assert _snapshot(lib) == before
    assert main(["write", "--query", "tag:keeper", "--dry-run", "--json"]) == 0
    assert [Path(o["path"]).name for o in _json_lines(capsys)] == ["x.wav"]
    assert main(["write", "--query", "other", "--dry-run", "--json"]) == 0
    assert [o["status"] for o in _json_lines(capsys)] == ["unchanged"], "nothing to write there"


def test_ucs_rename_is_collision_safe_and_undone(home, tmp_path, capsys):
    from soundseek.app import App

    lib = tmp_path / "lib"
    lib.mkdir()
    a = write_bwf(lib / "take_001.wav", tone(0.5, 300),
                  ixml=ixml_bytes({"CATID": "DOORWood", "FXNAME": "Creak"}))  # fmt: skip
    b = write_bwf(lib / "take_002.wav", tone(0.5, 330),
                  ixml=ixml_bytes({"CATID": "DOORWood", "FXNAME": "Creak"}))  # fmt: skip
    taken = write_bwf(lib / "DOORWood_Creak_JD_MYLIB.wav", tone(0.5, 900))
    App.open(home).update_settings(ucs_creator_id="JD", ucs_source_id="MYLIB")
    before = _snapshot(lib)
    _setup(home, lib, [a, b])
    capsys.readouterr()
    assert main(["write", "--rename", "--json"]) == 0
    names = sorted(Path(json.loads(x)["new_path"]).name
                   for x in capsys.readouterr().out.splitlines())  # fmt: skip
    assert names == ["DOORWood_Creak 02_JD_MYLIB.wav", "DOORWood_Creak 03_JD_MYLIB.wav"]
    assert _digest(taken) == before[str(taken)], "an existing file is never overwritten"
    assert main(["search", "creak", "--json"]) == 0
    found = {Path(json.loads(x)["path"]).name for x in capsys.readouterr().out.splitlines()}
    assert set(names) <= found and "take_001.wav" not in found, "the index follows the rename"
    assert main(["undo"]) == 0
    assert _snapshot(lib) == before


def _reindex_embeds_nothing_and_keeps_the_tag(home, lib: Path, path: Path, capsys) -> None:
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    again = BandEmbedder()
    index(home, [lib], again)
    assert again.windows_seen == 0, "metadata writes never trigger a re-embed"
    capsys.readouterr()
    assert main(["tag", "list", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tags"] == ["keeper"]


def test_reindex_after_a_write_embeds_nothing_and_keeps_tags(home, tmp_path, capsys):
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "lib"
    lib.mkdir()
    files = [write_bwf(lib / f"t{i}.wav", tone(1.0, 200 + 100 * i)) for i in range(3)]
    files.append(write_tagged_flac(lib / "f.flac", noise(1.0, seed=9), title="F"))
    index(home, [lib], BandEmbedder())
    assert main(["tag", "add", "keeper", *map(str, files)]) == 0
    assert main(["write"]) == 0
    _reindex_embeds_nothing_and_keeps_the_tag(home, lib, files[-1], capsys)


def test_watcher_ignores_soundseeks_own_writes(home, tmp_path):
    from soundseek.app import App
    from soundseek.app.watching import LibraryKeeper

    lib = tmp_path / "lib"
    lib.mkdir()
    wav = write_bwf(lib / "w.wav", tone(0.5, 400))
    _setup(home, lib, [wav])
    app = App.open(home)
    assert [p.outcome.status for p in app.writes.write_metadata()] == ["written"]
    keeper = LibraryKeeper(app, load_model=False)
    keeper._changed({str(wav)})
    assert not keeper._wanted.is_set(), "our own write is not a change to index"
    os.utime(wav, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    keeper._changed({str(wav)})
    assert keeper._wanted.is_set(), "someone else touching the file is"


_KILLED_WRITER = """
import sys
from soundseek.cli import main
sys.exit(main(["write"]))
"""


def test_a_kill_mid_batch_leaves_every_file_old_or_new_and_undo_restores_all(home, tmp_path):
    from soundseek.metadata.reader import read_metadata

    lib = tmp_path / "lib"
    lib.mkdir()
    files = [write_bwf(lib / f"k{i:02d}.wav", noise(4.0, seed=i)) for i in range(40)]
    _setup(home, lib, files)
    before = _snapshot(lib)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER], cwd=Path(__file__).parents[2]
    )  # fmt: skip (SOUNDSEEK_HOME is set)
    journal = Path(os.environ["SOUNDSEEK_HOME"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _done_lines(journal) < 3:
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    written = 0
    for f in files:
        if _digest(f) != before[str(f)]:
            written += 1
            assert read_metadata(str(f)).keywords == "keeper", f"{f.name} is whole and new"
    assert 3 <= written < len(files), "the kill landed mid-batch"
    assert main(["undo"]) == 0
    assert _snapshot(lib) == before, "every file back, no temporary copy left"


def _kept_bytes(home: Path) -> dict[str, int]:
    """Each journaled file's saved bytes (what an undo needs besides the file itself)."""
    out = {}
    for journal in home.rglob("entries.jsonl"):
        for line in journal.read_text().splitlines():
            rec = json.loads(line)
            if rec["op"] == "begin":
                out[rec["path"]] = (journal.parent / "keep" / rec["keep"]).stat().st_size
    return out


def _done_lines(home: Path) -> int:
    return sum(p.read_text().count('"op": "done"') for p in home.rglob("entries.jsonl"))


@pytest.fixture(autouse=True)
def _no_stray_temps(tmp_path):
    yield
    assert not [p for p in tmp_path.rglob("*.soundseek-tmp")], "no temporary copy left behind"


def test_undo_with_nothing_written_says_so(home, capsys):
    assert main(["undo", "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_a_damaged_chunk_after_the_audio_is_kept_and_does_not_swallow_ours(home, tmp_path):
    """Seen in a real drum kit: after the data chunk, a chunk claiming 2 GB in a 2.6 kB file.
    New chunks go before the audio, and the damaged tail is kept exactly."""
    from wavinfo import WavInfoReader

    lib = tmp_path / "lib"
    lib.mkdir()
    wav = write_bwf(lib / "snare.wav", noise(0.05, seed=3))
    tail = struct.pack("<4sI", b"mpl$", 0) + struct.pack("<4sI", b"\0\0\0\0", 2_466_250_752)
    tail += b"\x01" * 127
    wav.write_bytes(wav.read_bytes() + tail)
    original = wav.read_bytes()
    _setup(home, lib, [wav])
    assert main(["write"]) == 0
    assert wav.read_bytes().endswith(tail)
    assert WavInfoReader(str(wav)).ixml.raw_xml.findtext("USER/KEYWORDS") == "keeper"
    assert main(["undo"]) == 0
    assert wav.read_bytes() == original


def test_a_file_still_keyed_the_old_way_is_rekeyed_before_its_write(home, tmp_path, capsys):
    """A file that was offline during the schema 3 upgrade keeps its whole-file hash; writing
    it must not cost its vectors or tags."""
    from soundseek.files.fingerprint import content_hash, whole_file_hash
    from soundseek.index.store import Store
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "lib"
    lib.mkdir()
    wav = write_bwf(lib / "old.wav", tone(1.0, 500))
    index(home, [lib], BandEmbedder())
    with Store(home.store_dir, writable=True) as store:
        store.rekey({content_hash(str(wav)): whole_file_hash(str(wav))})
    assert main(["tag", "add", "keeper", str(wav)]) == 0
    assert main(["write"]) == 0
    _reindex_embeds_nothing_and_keeps_the_tag(home, lib, wav, capsys)


def test_only_the_newest_batches_are_kept_for_undo(home, tmp_path, monkeypatch):
    """Past the limit the oldest batches go and the newest is undone. The limit is lowered
    from 20 to 3 here: the pruning is the same at any limit, and each write batch costs the
    test ~0.4 s (22 of them were ~9 s)."""
    from soundseek.app import App
    from soundseek.writing import batch, journal
    from soundseek.writing.journal import batches

    KEEP_BATCHES = 3
    for module in (batch, journal):
        monkeypatch.setattr(module, "KEEP_BATCHES", KEEP_BATCHES)
    lib = tmp_path / "lib"
    lib.mkdir()
    wav = write_bwf(lib / "w.wav", tone(0.2, 400))
    _setup(home, lib, [wav])
    app = App.open(home)
    for i in range(KEEP_BATCHES + 2):
        app.review.tag(f"t{i}", [str(wav)])
        assert [p.outcome.status for p in app.writes.write_metadata()] == ["written"]
    kept = list(batches(app.writes.journal_dir))
    assert len(kept) == KEEP_BATCHES
    _, undone = app.writes.undo_writes()
    assert [u.restored for u in undone] == [True], "the newest batch is among those kept"
    from soundseek.metadata.reader import read_metadata

    words = read_metadata(str(wav)).keywords
    newest = KEEP_BATCHES + 1
    assert f"t{newest - 1}" in words and f"t{newest}" not in words
