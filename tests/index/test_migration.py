"""An index written by the first release (schema 1, absolute paths, roots in the settings) is
upgraded in place: nothing is re-embedded, and the user is told."""

from __future__ import annotations

import json
import os
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa
import pytest
import soundfile as sf

from soundseek.app import App
from soundseek.audio.decode import iter_windows
from soundseek.cli import main
from soundseek.errors import StoreVersionError
from soundseek.files.fingerprint import content_hash, whole_file_hash
from soundseek.index.store import Store
from soundseek.index.tables import migrations
from soundseek.index.tables.schema import (
    ACCEPTED,
    ENVELOPES,
    FILES,
    GUESSES,
    TAGS,
    WINDOWS,
    windows_schema,
)
from tests.audiofiles import bext_bytes, make_library, tone, write_bwf
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
        digest = whole_file_hash(str(path))  # the fingerprint of 0.1 and 0.2
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
    assert "3 files kept" not in out.err and "4 files kept with their vectors" in out.err
    assert "index upgraded from schema 2 to 3" in out.err and "3 files re-fingerprinted" in out.err
    status = json.loads(out.out)
    assert status["library_roots"] == [str(lib)], "folders move from settings to the index"
    assert (status["files"], status["indexed"], status["unreadable"]) == (4, 3, 1)
    assert (status["schema_version"], status["index_model"], status["windows"]) == (
        3,
        "fake-bands",
        3,
    )
    store = Store(home.store_dir)
    now = {p: content_hash(p) if h else "" for p, h in hashes.items()}
    assert {r.path: r.content_hash for r in store.records()} == now
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

    step, *later = migrations.MIGRATIONS
    monkeypatch.setattr(
        migrations, "MIGRATIONS", (step.__class__(1, 2, "x", broken, ("files",)), *later)
    )
    with pytest.raises(StoreVersionError, match="old index is untouched"):
        App.open(home).status()
    assert json.loads((home.store_dir / "store.json").read_text())["schema_version"] == 1
    monkeypatch.undo()
    store = App.open(home).library().store
    now = {p: content_hash(p) if h else "" for p, h in hashes.items()}
    assert {r.path: r.content_hash for r in store.records()} == now


# -- schema 2 -> 3: content fingerprinted by its audio payload ------------------------------------
V3_TO_V2 = {FILES: "files_v2", WINDOWS: "windows", ENVELOPES: "envelopes", TAGS: "tags",
            GUESSES: "ucs_guesses", ACCEPTED: "accepted_categories"}  # fmt: skip


def build_schema2_index(home, lib) -> dict[str, Path]:
    """Index a library now, then rewrite the index as SoundSeek 0.2 kept it: whole-file
    hashes, tables under their version-2 names, tags and an accepted category on the door.
    A copy of the door with other metadata has its own whole-file hash and its own windows."""
    files = make_library(lib)
    files["retagged"] = write_bwf(lib / "Doors" / "door retagged.wav", tone(2.0, 300),
                                  bext=bext_bytes("Another description", "Someone"))  # fmt: skip
    app = App.open(home)
    app.add_root(str(lib))
    app.embedder = BandEmbedder()
    assert list(app.index())[-1].phase == "done"
    with Store(home.store_dir, writable=True) as store:
        door = store.record_at(str(files["door"])).content_hash
        store.annotations.set_tag("keeper", [door])
        store.annotations.set_tag("loud", [door], kind="not")
        store.annotations.accept_categories({door: ("DOORWood", "DOOR", "WOOD")})
        store.annotations.put_guesses({door: [("DOORWood", 0.9), ("DOORMetl", 0.1)]})
        old_of = {r.path: whole_file_hash(r.path) for r in store.records() if r.content_hash}
        new_of = {r.path: r.content_hash for r in store.records() if r.content_hash}
    _rewrite_as_schema2(home, old_of, new_of)
    return files


def _rewrite_as_schema2(home, old_of: dict[str, str], new_of: dict[str, str]) -> None:
    db = lancedb.connect(str(home.store_dir / "lance"))
    olds: dict[str, list[str]] = {}
    for path, new in new_of.items():
        olds.setdefault(new, [])
        if old_of[path] not in olds[new]:
            olds[new].append(old_of[path])
    root = App.open(home).roots()[0]
    by_key = {os.path.relpath(p, root.path): old_of[p] for p in old_of}
    for v3, v2 in V3_TO_V2.items():
        table = db.open_table(v3).to_arrow()
        rows = []
        for row in table.to_pylist():
            if v3 == FILES:
                rows.append({**row, "content_hash": by_key.get(row["relpath"], "")})
            else:  # each old content had its own copy of everything
                rows += [{**row, "content_hash": o} for o in olds[row["content_hash"]]]
        db.create_table(v2, data=pa.Table.from_pylist(rows, schema=table.schema))
        db.drop_table(v3)
    info = json.loads((home.store_dir / "store.json").read_text())
    (home.store_dir / "store.json").write_text(json.dumps({**info, "schema_version": 2}))


def test_schema2_index_keeps_vectors_tags_and_categories(home, tmp_path):
    lib = tmp_path / "SFX"
    files = build_schema2_index(home, lib)
    offline = files["thunder"].rename(tmp_path / "thunder elsewhere.flac")
    os.utime(files["door_copy"], ns=(1, 1))  # changed since it was indexed
    door_old = whole_file_hash(str(files["door"]))

    app = App.open(home)
    notes = app.open_index()
    assert any("schema 2 to 3" in n for n in notes), notes
    store = app.library().store
    assert json.loads((home.store_dir / "store.json").read_text())["schema_version"] == 3
    assert not set(V3_TO_V2.values()) & set(store.db.list_tables().tables), "old tables dropped"
    by_path = {r.path: r for r in store.records()}
    door = content_hash(str(files["door"]))
    assert by_path[str(files["door"])].content_hash == door != door_old
    assert by_path[str(files["retagged"])].content_hash == door, "same audio, other metadata"
    assert by_path[str(files["door_copy"])].content_hash == door_old, "changed: not re-read"
    assert by_path[str(files["thunder"])].content_hash == whole_file_hash(str(offline))
    for r in by_path.values():
        if r.status.value == "indexed":
            got = store.windows.of(r.content_hash)
            assert len(got) == r.n_windows, (r.path, "vectors once per content, not twice")
    assert store.envelopes.of(door) and store.envelopes.of(door_old)
    assert store.annotations.tags_of([door, door_old]) == {door: ["keeper"], door_old: ["keeper"]}
    assert store.annotations.hashes_tagged("loud", kind="not") == sorted({door, door_old})
    assert store.annotations.accepted_of([door]) == {door: ("DOORWood", "DOOR", "WOOD")}
    assert [c for c, _ in store.annotations.guesses_of([door])[door]] == ["DOORWood", "DOORMetl"]

    app.embedder = emb = BandEmbedder()
    offline.rename(files["thunder"])
    assert list(app.index())[-1].phase == "done"
    assert emb.windows_seen == 0, "nothing re-embedded after the upgrade"
    store = app.library().store
    assert store.record_at(str(files["door_copy"])).content_hash == door
    assert store.annotations.tags_of([door]) == {door: ["keeper"]}


def test_a_kill_mid_migration_leaves_the_schema2_index(home, tmp_path, monkeypatch):
    lib = tmp_path / "SFX"
    build_schema2_index(home, lib)
    db = lancedb.connect(str(home.store_dir / "lance"))
    before = {n: db.open_table(n).count_rows() for n in V3_TO_V2.values()}
    real, calls = migrations.remap, []

    def killed(table, m):
        calls.append(1)
        if len(calls) > 1:  # files_v3 and windows_v3 are written by now, envelopes are not
            raise OSError("killed")
        return real(table, m)

    monkeypatch.setattr(migrations, "remap", killed)
    with pytest.raises(StoreVersionError, match="old index is untouched"):
        App.open(home).open_index()
    assert json.loads((home.store_dir / "store.json").read_text())["schema_version"] == 2
    assert {FILES, WINDOWS} <= set(db.list_tables().tables), "killed half-way"
    assert {n: db.open_table(n).count_rows() for n in V3_TO_V2.values()} == before
    monkeypatch.undo()
    app = App.open(home)
    assert any("schema 2 to 3" in n for n in app.open_index())
    app.embedder = emb = BandEmbedder()
    assert list(app.index())[-1].phase == "done" and emb.windows_seen == 0


def _hashes_by_relpath(store: Store) -> dict[str, str]:
    rows = store.table(FILES).to_arrow().select(["relpath", "content_hash"]).to_pylist()
    return {r["relpath"]: r["content_hash"] for r in rows}


def test_rekey_moves_a_content_everywhere(home):
    with Store(home.store_dir, writable=True) as s:
        s.use_model("m", 4, "m@x/v1", "torch-fp32")
        from soundseek.index.tables.records import FileRecord, FileStatus

        recs = [FileRecord(root_id="r", relpath=f"{n}.wav", status=FileStatus.INDEXED,
                           content_hash=h, n_windows=2) for n, h in (("a", "old"), ("b", "old2"),
                                                                     ("c", "other"))]  # fmt: skip
        s.add_files(recs)
        for h in ("old", "old2", "other"):
            s.windows.add(
                [h, h], [0.0, 10.0], [10.0, 20.0], [0, 1], np.eye(4, dtype=np.float32)[:2]
            )
        s.envelopes.put({"old": b"peaks", "other": b"x"})
        s.annotations.set_tag("keeper", ["old", "old2"])
        s.annotations.set_tag("door", ["old"])
        s.annotations.accept_categories({"old": ("DOORWood", "DOOR", "WOOD")})
        s.rekey({"old": "new", "old2": "new"})  # a copy with other metadata: the same audio
        assert _hashes_by_relpath(s) == {
            "a.wav": "new", "b.wav": "new", "c.wav": "other"}  # fmt: skip
        assert len(s.windows.of("new")) == 2, "one copy of the windows, not two"
        assert not s.windows.of("old") and not s.windows.of("old2")
        assert s.envelopes.of("new") == b"peaks" and s.envelopes.of("old") is None
        assert s.annotations.tags_of(["new", "old", "old2"]) == {"new": ["door", "keeper"]}
        assert s.annotations.accepted_of(["new", "old"]) == {"new": ("DOORWood", "DOOR", "WOOD")}
        assert s.windows.count() == 4 and s.sweep_orphans() == 0
        s.rekey({"other": "new"})  # the new hash has its windows already: they are kept
        assert len(s.windows.of("new")) == 2 and s.windows.count() == 2
        s.rekey({"new": "new", "": "x"})  # nothing to do
        assert windows_schema(4) == s.table(WINDOWS).schema
