from __future__ import annotations

import json

import numpy as np
import pytest

from soundseek.errors import StoreLocked, StoreVersionError
from soundseek.index.schema import WINDOWS
from soundseek.index.store import Store


def test_store_records_schema_model_and_pipeline(home):
    with Store(home.store_dir, writable=True) as s:
        s.use_model("m1", 16, "m1@abc/logmel-v1", "torch-fp32")
    info = json.loads((home.store_dir / "store.json").read_text())
    assert info == {"schema_version": 2, "model_id": "m1", "dim": 16,
                    "space": "m1@abc/logmel-v1", "runtimes": ["torch-fp32"]}  # fmt: skip


def test_vector_spaces_never_mix(home):
    with Store(home.store_dir, writable=True) as s:
        s.use_model("m1", 4, "m1@abc/logmel-v1", "torch-fp32")
        s.add_windows(["h"], [0.0], [1.0], [0], np.eye(4, dtype=np.float32)[:1])
        assert s.use_model("m1", 4, "m1@abc/logmel-v1", "onnxruntime-fp32") == 0
        assert s.count_windows() == 1, "a gate-passing runtime joins the same space"
        assert s.info.runtimes == ("torch-fp32", "onnxruntime-fp32")
        s.use_model("m1", 4, "m1@NEW/logmel-v1", "torch-fp32")  # same name, other weights
        assert s.count_windows() == 0 and s.info.runtimes == ("torch-fp32",)
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


def test_only_one_writer(home):
    with Store(home.store_dir, writable=True):
        with pytest.raises(StoreLocked, match="another SoundSeek process"):
            Store(home.store_dir, writable=True)
        reader = Store(home.store_dir)
        with pytest.raises(PermissionError):
            reader.upsert_files([])
    Store(home.store_dir, writable=True).close()


def _clustered(n, dim, rng, centres):
    x = centres[rng.integers(0, len(centres), n)] + 0.35 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_ann_index_recall_against_exact_search(home):
    """The production query path (IVF-PQ, nprobes, refine) finds what exact search finds."""
    from soundseek.index.retrieval import Retrieval

    rng = np.random.default_rng(0)
    n, dim = 12_000, 64
    centres = rng.standard_normal((64, dim))
    vecs = _clustered(n, dim, rng, centres)
    with Store(home.store_dir, writable=True) as s:
        s.use_model("m", dim)
        hashes = [f"h{i}" for i in range(n)]
        s.add_windows(hashes, [0.0] * n, [10.0] * n, [0] * n, vecs)
        s.maintain()
        assert s.has_ann()
    store = Store(home.store_dir)
    retrieval = Retrieval(store)
    table = store.table(WINDOWS)
    recalls = []
    for q in _clustered(40, dim, rng, centres):
        exact = {f"h{i}" for i in np.argsort(-(vecs @ q))[:10]}
        got = [m.content_hash for m in retrieval._ann(table, q, 200, None)[:10]]
        recalls.append(len(exact & set(got)) / 10)
    assert np.mean(recalls) >= 0.95


def test_reader_sees_the_writers_model_switch(home):
    reader = Store(home.store_dir)
    assert reader.info.model_id == ""
    with Store(home.store_dir, writable=True) as w:
        w.use_model("m2", 8)
    assert (reader.info.model_id, reader.info.dim) == ("m2", 8)
