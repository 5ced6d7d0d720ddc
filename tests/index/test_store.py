from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from soundseek.errors import StoreLocked, StoreVersionError
from soundseek.index.store import Store
from soundseek.index.tables.schema import WINDOWS


def test_store_records_schema_model_and_pipeline(home):
    with Store(home.store_dir, writable=True) as s:
        s.use_model("m1", 16, "m1@abc/logmel-v1", "torch-fp32")
    info = json.loads((home.store_dir / "store.json").read_text())
    assert info == {"schema_version": 3, "model_id": "m1", "dim": 16,
                    "space": "m1@abc/logmel-v1", "runtimes": ["torch-fp32"]}  # fmt: skip


def test_vector_spaces_never_mix(where):
    with Store(where, writable=True) as s:
        s.use_model("m1", 4, "m1@abc/logmel-v1", "torch-fp32")
        s.windows.add(["h"], [0.0], [1.0], [0], np.eye(4, dtype=np.float32)[:1])
        assert s.use_model("m1", 4, "m1@abc/logmel-v1", "onnxruntime-fp32") == 0
        assert s.windows.count() == 1, "a gate-passing runtime joins the same space"
        assert s.info.runtimes == ("torch-fp32", "onnxruntime-fp32")
        s.use_model("m1", 4, "m1@NEW/logmel-v1", "torch-fp32")  # same name, other weights
        assert s.windows.count() == 0 and s.info.runtimes == ("torch-fp32",)
        assert not s.vectors_match("m1", 4, "m1@abc/logmel-v1")


def test_an_index_from_before_pipelines_adopts_the_same_models_space(home):
    home.store_dir.mkdir(parents=True)
    (home.store_dir / "store.json").write_text('{"schema_version": 2, "model_id": "m", "dim": 4}')
    with Store(home.store_dir, writable=True) as s:
        assert s.vectors_match("m", 4, "m@abc/logmel-v1")
        assert s.use_model("m", 4, "m@abc/logmel-v1", "torch-fp32") == 0
        assert s.info.space == "m@abc/logmel-v1"


def test_newer_schema_is_refused_not_corrupted(home):
    home.store_dir.mkdir(parents=True)
    (home.store_dir / "store.json").write_text('{"schema_version": 99, "model_id": "", "dim": 0}')
    with pytest.raises(StoreVersionError, match="newer SoundSeek"):
        Store(home.store_dir)


def test_only_one_writer(where):
    with Store(where, writable=True):
        with pytest.raises(StoreLocked, match="being written by"):
            Store(where, writable=True)
        reader = Store(where)
        with pytest.raises(PermissionError):
            reader.upsert_files([])
    Store(where, writable=True).close()


def _clustered(n, dim, rng, centres):
    x = centres[rng.integers(0, len(centres), n)] + 0.35 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _recall(retrieval, vecs, queries, names=None):
    names = names or [f"h{i}" for i in range(len(vecs))]
    found = []
    for q in queries:
        exact = {names[i] for i in np.argsort(-(vecs @ q))[:10]}
        got = [m.content_hash for m in retrieval.window_search(q, 200)[:10]]
        found.append(len(exact & set(got)) / 10)
    return float(np.mean(found))


def _ann_store(home, vecs, policy):
    from soundseek.index.vectors.cachesync import CachePolicy

    s = Store(home.store_dir, writable=True)
    s.use_model("m", vecs.shape[1])
    s.windows.cache.policy = CachePolicy(**policy)
    return s


def test_ann_index_recall_against_exact_search(home):
    """Past the exact-search size the production path (IVF-PQ candidates scored exactly)
    finds what exact search finds; the cache copies the table's version."""
    from soundseek.index.retrieval import Retrieval

    rng = np.random.default_rng(0)
    n, dim = 12_000, 64
    centres = rng.standard_normal((64, dim))
    vecs = _clustered(n, dim, rng, centres)
    with _ann_store(home, vecs, {"ann_min_rows": 4000}) as s:
        s.windows.add([f"h{i}" for i in range(n)], [0.0] * n, [10.0] * n, [0] * n, vecs)
        s.maintain()
        assert s.has_ann()
    retrieval = Retrieval(Store(home.store_dir))
    assert retrieval.cache_current(), "the cache is current with the table"
    assert _recall(retrieval, vecs, _clustered(40, dim, rng, centres)) >= 0.95


def test_adding_files_folds_them_in_without_retraining(home):
    """New windows are searchable as soon as they are committed (before any maintenance),
    are folded into the ANN index without retraining while recall holds, and the index is
    retrained when new rows come from somewhere its lists never saw."""
    from soundseek.index.retrieval import Retrieval
    from soundseek.index.vectors.cachefiles import read_meta
    from soundseek.index.vectors.cachesync import CachePolicy

    rng = np.random.default_rng(1)
    dim = 64
    centres = rng.standard_normal((64, dim))
    first = _clustered(8000, dim, rng, centres)
    policy = {"ann_min_rows": 4000, "fold_rows": 500, "probe_growth": 0.1}
    with _ann_store(home, first, policy) as s:
        s.windows.add([f"h{i}" for i in range(8000)], [0.0] * 8000, [1.0] * 8000, [0] * 8000,
                      first)  # fmt: skip
        s.maintain()
        trained = read_meta(s.place.cache_dir / "vectors").trained_rows
        assert trained == 8000
        more = _clustered(1000, dim, rng, centres)
        s.windows.add([f"n{i}" for i in range(1000)], [0.0] * 1000, [1.0] * 1000, [0] * 1000,
                      more)  # fmt: skip
        reader = Retrieval(Store(home.store_dir))
        assert reader.cache_current(), "searchable straight after the commit"
        assert reader.window_search(more[7], 1)[0].content_hash == "n7"
        s.maintain()
        meta = read_meta(s.place.cache_dir / "vectors")
        assert (meta.rows, meta.trained_rows) == (9000, 8000), "folded, not retrained"
        assert meta.ann_rows == 9000, "the new rows are in the ANN index"
        assert meta.recall >= 0.95
        elsewhere = _clustered(3000, dim, rng, rng.standard_normal((8, dim)) * 3)
        s.windows.add([f"x{i}" for i in range(3000)], [0.0] * 3000, [1.0] * 3000, [0] * 3000,
                      elsewhere)  # fmt: skip
        s.windows.cache.policy = CachePolicy(**policy, recall_floor=1.01)  # any probe is "too low"
        s.maintain()
        meta = read_meta(s.place.cache_dir / "vectors")
        assert meta.trained_rows == 12000, "retrained when the probe fell below the floor"
        everything = np.concatenate([first, more, elsewhere])
        names = [f"{p}{i}" for p, n in (("h", 8000), ("n", 1000), ("x", 3000)) for i in range(n)]
        assert _recall(reader, everything, elsewhere[:30], names) >= 0.95
    assert meta.rows == 12000


def test_the_cache_heals_after_a_commit_behind_its_back(home):
    """A kill between the table commit and the cache append (or a write that retires
    contents) leaves the cache behind: searches do not use it, the next maintenance appends
    and retires only the difference."""
    from soundseek.index.retrieval import Retrieval
    from soundseek.index.vectors.cachefiles import read_meta

    rng = np.random.default_rng(2)
    vecs = _clustered(300, 16, rng, rng.standard_normal((8, 16)))
    with _ann_store(home, vecs, {}) as s:
        s.windows.add([f"h{i}" for i in range(200)], [0.0] * 200, [1.0] * 200, [0] * 200,
                      vecs[:200])  # fmt: skip
        cache, s.windows.cache = s.windows.cache, None  # as if killed before the append
        s.windows.add([f"h{i}" for i in range(200, 300)], [0.0] * 100, [1.0] * 100,
                      [0] * 100, vecs[200:])  # fmt: skip
        s.table(WINDOWS).delete("content_hash IN ('h0', 'h1')")
        s.windows.cache = cache
        reader = Retrieval(Store(home.store_dir))
        assert not reader.cache_current(), "a cache behind the table is not searched"
        assert reader.window_search(vecs[250], 1)[0].content_hash == "h250"
        s.maintain()
        assert read_meta(s.place.cache_dir / "vectors").rows == 300  # appended, not rebuilt
    assert reader.cache_current()
    assert reader.window_search(vecs[250], 1)[0].content_hash == "h250"
    assert all(m.content_hash not in ("h0", "h1") for m in reader.window_search(vecs[0], 300))


def test_reader_sees_the_writers_model_switch(where):
    """At once locally; on object storage within the few seconds a reader trusts what it
    last read (each look is a round trip)."""
    reader = Store(where)
    assert reader.info.model_id == ""
    with Store(where, writable=True) as w:
        w.use_model("m2", 8)
    deadline = time.monotonic() + (5 if reader.place.shared else 0)
    while reader.info.model_id != "m2" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (reader.info.model_id, reader.info.dim) == ("m2", 8)


def _file(i: int, word: str, status: str = "pending"):
    from soundseek.index.tables.records import FileRecord, FileStatus

    return FileRecord(root_id="r", relpath=f"{word} {i}.wav", size=1, mtime_ns=i,
                      status=FileStatus(status), content_hash=f"h{i}", text=f"{word} take {i}",
                      n_windows=1 if status == "indexed" else 0)  # fmt: skip


def _word_hits(store: Store, word: str, fresh: bool = True) -> int:
    from soundseek.words.query_plan import plan_words

    words = store.words.fresh() if fresh else store.words.current()
    return len(words.search(plan_words([word], [], words.known, words.nearby), []))


def test_the_word_index_follows_every_write_and_heals_after_a_crash(where):
    """Adds, renames and deletes are searchable at once; compaction does not force a
    rebuild; rows committed without their word update (a kill in between) are found once
    the next writer opens the library."""
    from soundseek.index.tables.records import FileKey
    from soundseek.index.tables.schema import FILES, records_to_arrow

    with Store(where, writable=True) as s:
        s.add_files([_file(i, "creak") for i in range(100)])
        s.upsert_files([_file(i, "creak") for i in range(5)] + [_file(100, "slam")])
        s.delete_files([FileKey("r", "creak 1.wav")])
        assert (_word_hits(s, "creak"), _word_hits(s, "slam"), _word_hits(s, "take")) == (
            99, 1, 100,
        )  # fmt: skip
        s.maintain()
        assert s.words.current().stamp() == s.words.files_version(), "compaction keeps it in step"
        s.table(FILES).add(records_to_arrow([_file(i, "knock") for i in range(200, 230)]))
        assert _word_hits(s, "knock", fresh=False) == 0, "committed behind its back"
    with Store(where, writable=True) as s:
        assert _word_hits(s, "knock") == 30 and _word_hits(s, "creak") == 99
    with Store(where) as reader:
        assert _word_hits(reader, "knock") == 30


def test_sweep_drops_vectors_no_indexed_file_refers_to(where):
    """Windows of deleted files and of files a killed run left pending go; envelopes stay
    while a file refers to them."""
    from soundseek.index.tables.records import FileKey

    with Store(where, writable=True) as s:
        s.use_model("m", 4)
        s.add_files([_file(0, "kept", "indexed"), _file(1, "gone", "indexed"), _file(2, "half")])
        vec = np.eye(4, dtype=np.float32)[:1]
        for h in ("h0", "h1", "h2"):
            s.windows.add([h], [0.0], [1.0], [0], vec)
        s.envelopes.put({"h0": b"a", "h1": b"b", "h2": b"c"})
        s.delete_files([FileKey("r", "gone 1.wav")])
        assert s.sweep_orphans() == 2
        assert s.windows.count() == 1 and s.windows.of("h0")
        assert s.envelopes.of("h2") == b"c" and s.envelopes.of("h1") is None


def test_a_cache_that_cannot_be_written_never_fails_the_commit(home, monkeypatch):
    """A full disk under the cache folder: the windows still commit, searches use LanceDB
    meanwhile, and the next maintenance brings the cache back."""
    from soundseek.index.retrieval import Retrieval
    from soundseek.index.vectors import cachesync

    rng = np.random.default_rng(3)
    vecs = _clustered(50, 16, rng, rng.standard_normal((4, 16)))
    with _ann_store(home, vecs, {}) as s:

        def disk_full(*_a, **_k):
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as m:
            m.setattr(cachesync, "append_rows", disk_full)
            s.windows.add([f"h{i}" for i in range(50)], [0.0] * 50, [1.0] * 50, [0] * 50, vecs)
        reader = Retrieval(Store(home.store_dir))
        assert s.windows.count() == 50 and not reader.cache_current()
        assert reader.window_search(vecs[7], 1)[0].content_hash == "h7"
        s.maintain()
    assert reader.cache_current() and reader.window_search(vecs[7], 1)[0].content_hash == "h7"


MEMORY_PROBE = """
import sys, numpy as np
from soundseek.index.retrieval import Retrieval
from soundseek.index.store import Store
def anon_kb():
    status = open("/proc/self/status").read()
    return int(status.split("RssAnon:")[1].split()[0])
retrieval = Retrieval(Store(sys.argv[1]))
import faiss  # imported (and, without bytecode, compiled) before measuring: not search memory
before = anon_kb()
queries = np.random.default_rng(0).standard_normal((20, int(sys.argv[2]))).astype(np.float32)
for q in queries:
    retrieval.window_search(q / np.linalg.norm(q), 200)
print(anon_kb() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_window_search_does_not_hold_the_vectors_in_memory(home):
    """The memory budget's premise: searching keeps the ANN codes and ~15 bytes a window
    in private memory, never the float32 vectors (they stay in the mapped file)."""
    rng = np.random.default_rng(4)
    n, dim = 60_000, 256
    vecs = _clustered(n, dim, rng, rng.standard_normal((32, dim)))
    with _ann_store(home, vecs, {"ann_min_rows": 10_000}) as s:
        s.windows.add([f"h{i // 10}" for i in range(n)], [0.0] * n, [1.0] * n, [0] * n, vecs)
        s.maintain()
        assert s.has_ann()
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(home.store_dir), str(dim)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    grown_mb = int(out.stdout.split()[-1]) / 1024
    vectors_mb = n * dim * 4 / 2**20  # 58.6 MB
    assert grown_mb < vectors_mb / 3, f"search holds {grown_mb:.0f} MB of {vectors_mb:.0f} MB"
