"""An index written by the first release (schema 1, absolute paths, roots in the settings) is
upgraded in place: nothing is re-embedded, and the user is told."""

from __future__ import annotations

import json
import os

import lancedb
import numpy as np
import pyarrow as pa
import pytest
import soundfile as sf

from soundseek.app import App
from soundseek.audio.decode import iter_windows
from soundseek.cli import main
from soundseek.errors import StoreVersionError
from soundseek.files.fingerprint import content_hash
from soundseek.index import migrations
from soundseek.index.store import Store
from tests.audiofiles import tone
from tests.fakeembed import BandEmbedder

PK = {"lance-schema:unenforced-primary-key": "true"}
V1_TEXT = (
    "filename", "folder", "libfolder", "ext", "format", "subtype", "catid", "category",
    "subcategory", "fx_name", "description", "keywords", "library", "designer", "originator",
    "origination_date", "warning", "text", "status", "error", "content_hash",
)  # fmt: skip
V1_FILES = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False, metadata=PK),
        pa.field("size", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("duration", pa.float64()),
        pa.field("samplerate", pa.int32()),
        pa.field("channels", pa.int32()),
        pa.field("bit_depth", pa.int32()),
        pa.field("n_windows", pa.int32()),
        *(pa.field(c, pa.string()) for c in V1_TEXT),
    ]
)


def build_turn1_index(home, lib) -> dict[str, str]:
    """Write what SoundSeek 0.1 wrote: settings v1 with library_roots, schema-1 tables."""
    emb = BandEmbedder()
    files, windows = [], []
    for i, freq in enumerate((200, 900, 3000)):
        path = lib / "Doors" / f"door take {i}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone(1.0 + i, freq), 48000)
        digest = content_hash(str(path))
        wins = list(iter_windows(str(path)))
        vecs = emb.embed_audio([w.samples for w in wins])
        windows += [(digest, w.index, w.start, w.end, v) for w, v in zip(wins, vecs, strict=True)]
        files.append(_v1_row(path, lib, digest, "indexed", len(wins), 1.0 + i))
    broken = lib / "broken.wav"
    broken.write_bytes(b"nope")
    files.append(_v1_row(broken, lib, "", "error", 0, 0.0, error="not a readable audio file"))
    db = lancedb.connect(str(home.store_dir / "lance"))
    db.create_table("files", data=pa.Table.from_pylist(files, schema=V1_FILES))
    db.create_table("windows", data=pa.table({
        "content_hash": [w[0] for w in windows],
        "idx": pa.array([w[1] for w in windows], pa.int32()),
        "start": pa.array([w[2] for w in windows], pa.float32()),
        "end": pa.array([w[3] for w in windows], pa.float32()),
        "vector": pa.FixedSizeListArray.from_arrays(
            pa.array(np.stack([w[4] for w in windows]).ravel(), pa.float32()), 8),
    }))  # fmt: skip
    (home.store_dir / "store.json").write_text(
        json.dumps({"schema_version": 1, "model_id": "fake-bands", "dim": 8})
    )
    home.settings_file.write_text(
        json.dumps({"version": 1, "library_roots": [str(lib)], "model": "fake-bands"})
    )
    return {r["path"]: r["content_hash"] for r in files}


def _v1_row(path, lib, digest, status, n_windows, duration, error="") -> dict:
    st = os.stat(path)
    row = {c: "" for c in V1_TEXT}
    row.update(
        path=str(path), size=st.st_size, mtime_ns=st.st_mtime_ns, duration=duration,
        samplerate=48000, channels=1, bit_depth=16, n_windows=n_windows,
        filename=path.name, folder=str(path.parent), ext="wav", format="WAV",
        text=" ".join(path.stem.split()), status=status, error=error, content_hash=digest,
        libfolder=os.path.relpath(path.parent, lib.parent),
    )  # fmt: skip
    return row


def test_turn1_index_is_upgraded_in_place_and_says_so(home, tmp_path, capsys):
    lib = tmp_path / "SFX"
    hashes = build_turn1_index(home, lib)
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr()
    assert "index upgraded from schema 1 to 2" in out.err
    assert "3 files" not in out.err and "4 files kept with their vectors" in out.err
    status = json.loads(out.out)
    assert status["library_roots"] == [str(lib)], "folders move from settings to the index"
    assert (status["files"], status["indexed"], status["unreadable"]) == (4, 3, 1)
    assert (status["schema_version"], status["index_model"], status["windows"]) == (
        2,
        "fake-bands",
        3,
    )
    store = Store(home.store_dir)
    assert {r.path: r.content_hash for r in store.records()} == hashes
    assert "files" not in store.db.list_tables().tables, "the old table is dropped"
    assert json.loads(home.settings_file.read_text())["version"] == 2
    assert main(["status"]) == 0
    assert "upgraded" not in capsys.readouterr().err, "said once, not at every start"


def test_upgraded_index_embeds_nothing_and_searches(home, tmp_path):
    lib = tmp_path / "SFX"
    build_turn1_index(home, lib)
    app = App.open(home)
    app.embedder = emb = BandEmbedder()
    assert list(app.index())[-1].phase == "done"
    assert emb.windows_seen == 0
    hits = app.search("door").hits
    assert len(hits) == 3 and all(h.sound is not None for h in hits)
    assert app.similar(str(lib / "Doors" / "door take 0.wav")).hits


def test_a_failed_upgrade_leaves_the_old_index_untouched(home, tmp_path, monkeypatch):
    lib = tmp_path / "SFX"
    hashes = build_turn1_index(home, lib)

    def broken(ctx):
        raise OSError("disk full")

    step = migrations.MIGRATIONS[0]
    monkeypatch.setattr(migrations, "MIGRATIONS", (step.__class__(1, 2, "x", broken, ("files",)),))
    with pytest.raises(StoreVersionError, match="old index is untouched"):
        App.open(home).status()
    assert json.loads((home.store_dir / "store.json").read_text())["schema_version"] == 1
    monkeypatch.undo()
    store = App.open(home).library().store
    assert {r.path: r.content_hash for r in store.records()} == hashes
