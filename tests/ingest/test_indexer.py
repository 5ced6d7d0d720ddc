from __future__ import annotations

import os
import shutil
import threading

import numpy as np
import soundfile as sf

from soundseek.app import App
from soundseek.audio.decode import iter_windows, window_count
from soundseek.index.store import Store
from soundseek.index.tables.schema import WINDOWS
from tests.audiofiles import noise, tone
from tests.fakeembed import BandEmbedder
from tests.helpers import index, rows_by_name


def _window_rows(paths) -> list[dict]:
    return (
        Store(paths.store_dir).table(WINDOWS).to_arrow().select(["content_hash", "idx"]).to_pylist()
    )


def test_full_index_of_mixed_library(home, library, tiny_embedder):
    events = index(home, [library["door"].parents[1]], tiny_embedder)
    assert events[-1].phase == "done"
    rows = rows_by_name(home)
    broken = {n for n, r in rows.items() if r.status == "error"}
    assert broken == {"empty.wav", "truncated.wav", "random.wav"}
    assert all(rows[n].error for n in broken)
    good = [r for r in rows.values() if r.status != "error"]
    assert len(good) == 9 and all(r.status == "indexed" for r in good)
    windows = _window_rows(home)
    per_hash = {}
    for w in windows:
        per_hash.setdefault(w["content_hash"], []).append(w["idx"])
    for r in good:
        assert sorted(per_hash[r.content_hash]) == list(range(window_count(r.duration)))
    # the byte-identical copy shares its windows instead of being embedded twice
    assert rows["copy of door — take 2.wav"].content_hash == rows[library["door"].name].content_hash
    assert len(windows) == sum(window_count(r.duration) for r in good) - 1
    assert Store(home.store_dir).envelopes.of(rows["thunder distant roll.flac"].content_hash)


def test_incremental_touch_delete_rename(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i, f in enumerate((200, 400, 800)):
        sf.write(lib / f"tone{i}.wav", tone(1.0, f), 48000)
    emb = BandEmbedder()
    index(home, [lib], emb)
    assert emb.windows_seen == 3

    emb.windows_seen = 0
    index(home, [lib], emb)
    assert emb.windows_seen == 0, "an unchanged library embeds nothing"

    sf.write(lib / "tone1.wav", tone(2.0, 1600), 48000)
    index(home, [lib], emb)
    assert emb.windows_seen == 1, "only the changed file is embedded again"

    os.rename(lib / "tone2.wav", lib / "renamed.wav")
    (lib / "tone0.wav").unlink()
    emb.windows_seen = 0
    index(home, [lib], emb)
    assert emb.windows_seen == 0, "a renamed file keeps its vectors"
    rows = rows_by_name(home)
    assert set(rows) == {"tone1.wav", "renamed.wav"}
    assert rows["renamed.wav"].status == "indexed"
    assert len(_window_rows(home)) == 2, "windows of deleted and replaced content are gone"


def test_broken_file_is_retried_only_when_it_changes(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    bad = lib / "later.wav"
    bad.write_bytes(b"not audio at all")
    emb = BandEmbedder()
    index(home, [lib], emb)
    assert rows_by_name(home)["later.wav"].status == "error"
    index(home, [lib], emb)
    assert emb.windows_seen == 0
    sf.write(bad, tone(0.5), 48000)
    index(home, [lib], emb)
    assert rows_by_name(home)["later.wav"].status == "indexed"


def test_metadata_is_searchable_before_embedding(home, library):
    index(home, [library["door"].parents[1]], embedder=None)
    rows = rows_by_name(home)
    assert rows[library["door"].name].status == "pending"
    assert "creaks" in rows[library["door"].name].text


def test_unplugged_drive_keeps_its_files(home, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    sf.write(drive / "a.wav", tone(0.5), 48000)
    emb = BandEmbedder()
    index(home, [drive], emb)
    shutil.move(drive, tmp_path / "elsewhere")
    index(home, [drive], emb)
    assert rows_by_name(home)["a.wav"].status == "indexed"


def test_model_change_reembeds_instead_of_mixing(home, tmp_path, tiny_embedder):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "a.wav", noise(1.0), 48000)
    index(home, [lib], BandEmbedder())
    events = index(home, [lib], tiny_embedder)
    assert any("re-embedding 1 files" in e.message for e in events)
    store = Store(home.store_dir)
    assert (store.info.model_id, store.info.dim) == ("tiny", 32)
    assert store.table(WINDOWS).schema.field("vector").type.list_size == 32


def test_cancel_stops_cleanly_and_next_run_finishes(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(12):
        sf.write(lib / f"f{i:02d}.wav", noise(0.5, seed=i), 48000)
    cancel = threading.Event()
    emb = BandEmbedder()
    app = App.open(home)
    app.add_root(str(lib))
    app.embedder = emb
    for p in app.index(cancel, batch_size=1):
        if p.phase == "embed" and p.files_done >= 1:
            cancel.set()
    assert p.phase == "cancelled"
    done = sum(r.status == "indexed" for r in rows_by_name(home).values())
    assert 1 <= done < 12
    index(home, [lib], emb)
    rows = rows_by_name(home)
    assert len(rows) == 12 and all(r.status == "indexed" for r in rows.values())
    hashes = [w["content_hash"] for w in _window_rows(home)]
    assert len(hashes) == len(set(hashes)) == 12


def test_identical_audio_embeds_identically_across_runs(home, tmp_path, tiny_embedder):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "a.wav", noise(23.0, seed=9), 48000)
    index(home, [lib], tiny_embedder)
    h = rows_by_name(home)["a.wav"].content_hash
    first = np.stack([w.vector for w in Store(home.store_dir).windows.of(h)])
    again = tiny_embedder.embed_audio([w.samples for w in iter_windows(str(lib / "a.wav"))])
    np.testing.assert_allclose(first, again, atol=1e-5)


class NanOnLoudEmbedder(BandEmbedder):
    """Returns NaN for loud windows, as a model that overflows would."""

    def embed_audio(self, windows):
        out = super().embed_audio(windows)
        loud = np.array([np.abs(w).max() > 0.5 for w in windows])
        out[loud] = np.nan
        return out


def test_non_finite_vectors_and_samples_become_file_errors_not_a_stopped_run(home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "quiet.wav", tone(1.0, 300, amp=0.2), 48000)
    sf.write(lib / "loud.wav", tone(1.0, 300, amp=0.9), 48000)
    bad = noise(1.0)
    bad[100] = np.nan
    sf.write(lib / "nan samples.wav", bad, 48000, subtype="FLOAT")
    events = index(home, [lib], NanOnLoudEmbedder())
    assert events[-1].phase == "done"
    rows = rows_by_name(home)
    assert rows["quiet.wav"].status == "indexed"
    assert rows["loud.wav"].status == "error" and "non-numbers" in rows["loud.wav"].error
    assert rows["nan samples.wav"].status == "error"
    assert "NaN or infinity" in rows["nan samples.wav"].error
    windows = _window_rows(home)
    assert len(windows) == 1, "no vector of a failed file reaches the store"
