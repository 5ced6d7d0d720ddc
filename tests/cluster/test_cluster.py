"""`cluster index` on a local Ray (2 CPUs): the same vectors as the local indexer, a worker
that dies on one file costs that file only, and a driver killed mid-job resumes cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from soundseek.app import App
from soundseek.app.cluster import ClusterOptions
from soundseek.index.places.objectstore import S3Location
from soundseek.index.places.place import S3Place
from soundseek.index.store import Store
from soundseek.index.tables.records import FileStatus
from soundseek.paths import app_paths
from tests import clusterhelp
from tests.audiofiles import noise, tone, write_bwf
from tests.helpers import app_with

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module (starting one costs ~5 s); `cluster index` joins it."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    clusterhelp.ship_by_value()
    yield
    ray.shutdown()


def _vectors(store: Store) -> dict[str, np.ndarray]:
    return {r.filename: np.stack([w.vector for w in store.windows.of(r.content_hash)])
            for r in store.records() if r.status is FileStatus.INDEXED}  # fmt: skip


def test_cluster_vectors_equal_the_local_indexers(
    tmp_path, library, local_ray, installed_tiny, home
):
    local_home = app_paths(tmp_path / "local").ensure()
    local = app_with(local_home)
    local.models.import_model(str(installed_tiny), "tiny")
    local.models.load_model()
    local.roots.add_root(str(tmp_path / "lib"))
    list(local.index())
    app = App.open(home)
    app.roots.add_root(str(tmp_path / "lib"))
    events = list(app.cluster_index(ClusterOptions(chunk_files=3)))
    assert events[-1].phase == "done"
    mine, theirs = _vectors(app.library().store), _vectors(local.library().store)
    assert sorted(mine) == sorted(theirs) and len(mine) == 9
    for name, vecs in theirs.items():
        np.testing.assert_allclose(mine[name], vecs, atol=1e-5, err_msg=name)
    errors = {os.path.basename(e.path) for e in app.errors()}
    assert errors == {os.path.basename(e.path) for e in local.errors()} == {
        "empty.wav", "random.wav", "truncated.wav"}  # fmt: skip
    assert "Ray" in app.status().indexed_by


def test_a_worker_that_dies_on_one_file_costs_that_file_only(
    tmp_path, local_ray, installed_tiny, home
):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(7):
        write_bwf(lib / f"take {i}.wav", tone(1.0, 200 + 100 * i))
    write_bwf(lib / f"{clusterhelp.CRASH_MARK}.wav", noise(1.0))
    app = App.open(home)
    app.roots.add_root(str(lib))
    opts = ClusterOptions(chunk_files=4, decode=clusterhelp.crashing_decode, max_restarts=3)
    events = list(app.cluster_index(opts))
    assert events[-1].phase == "done"
    status = app.status()
    assert (status.indexed, len(status.errors)) == (7, 1)
    assert status.errors[0].path.endswith(f"{clusterhelp.CRASH_MARK}.wav")
    assert "worker died" in status.errors[0].reason


DRIVER = """
import sys
from soundseek.app import App
from soundseek.app.cluster import ClusterOptions
from tests import clusterhelp
import ray
ray.init(address=sys.argv[2], log_to_driver=False)  # the module's Ray, as a team's
clusterhelp.ship_by_value()
app = App.open()
slow = sys.argv[1] == "slow"  # the killed run: small slow chunks; the rerun: the usual size
decode, chunk = (clusterhelp.slow_decode, 1) if slow else (None, 8)
for p in app.cluster_index(ClusterOptions(chunk_files=chunk, decode=decode)):
    print(p.phase, p.files_done, p.files_total, flush=True)
"""


def _indexed(place: S3Place) -> tuple[int, int, int]:
    """(indexed files, window rows, windows the indexed files should have)."""
    store = Store(place)
    recs = [r for r in store.records() if r.status is FileStatus.INDEXED]
    return len(recs), store.windows.count(), sum(r.n_windows for r in recs)


FILES = 40  # a quarter second each in the killed run: long enough to kill it mid-job (16 was not)


@pytest.mark.slow
def test_a_driver_killed_mid_job_resumes_without_duplicates(
    tmp_path, home, installed_tiny, s3_uri, s3_endpoint, local_ray
):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(FILES):
        write_bwf(lib / f"hit {i:02d}.wav", tone(0.5 + (i % 3) * 6, 150 + 37 * i))
    app = App.open(home)
    app.set_location(s3_uri, s3_endpoint)
    app.roots.add_root(str(lib))
    place = S3Place(S3Location.parse(s3_uri, endpoint=s3_endpoint))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    gcs = ray.get_runtime_context().gcs_address  # drivers join the module's running Ray
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, "slow", gcs], env=env, stdout=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    for line in driver.stdout:
        if line.startswith("embed") and 0 < int(line.split()[1]) < FILES - 10:
            break
    os.killpg(driver.pid, signal.SIGKILL)  # the driver: the cluster lives on, as a team's does
    driver.wait()
    done, rows, expected = _indexed(place)
    assert 0 < done < FILES and rows >= expected
    pending_then = FILES - done
    rerun = subprocess.run([sys.executable, "-c", DRIVER, "fast", gcs], env=env, timeout=300,
                           capture_output=True, text=True)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    done, rows, expected = _indexed(place)
    assert (done, rows) == (FILES, expected), "every file once, each window once"
    store = Store(place)
    keys = [(r.root_id, r.relpath) for r in store.records()]
    assert len(keys) == len(set(keys)) == FILES
    assert f"embed 0 {pending_then}" in rerun.stdout, "the re-run embedded only what was left"
