from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests' processes (xdist workers, CLI subprocesses, Ray workers) keep the bytecode they
# compile, as a user's Python does: with PYTHONDONTWRITEBYTECODE (set on some machines, CI's
# among them) every one of them compiled torch and transformers from source again, and
# compiling all of site-packages ahead, at install, cost ~30 s of the test command.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import pytest

from soundseek.paths import TEMPLATES_ENV, app_paths
from tests.audiofiles import make_library
from tests.tinyclap import build_tiny_clap

sys.dont_write_bytecode = False  # this process too, from here on (see the environment above)


def built_once(tmp_path_factory, name: str, build) -> Path:
    """`build(folder)` run once per test session, also when pytest-xdist splits the session
    over processes: the first worker to ask builds under a file lock, the others wait and
    reuse its folder (read-only to them: tests that change a model copy it first)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp("models") / name
        build(folder)
        return folder
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / "built-once"
    shared.mkdir(exist_ok=True)
    folder, done = shared / name, shared / f"{name}.done"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that died mid-build
            build(folder)
            done.touch()
    return folder


def _with_export(folder: Path, build, model_id: str) -> Path:
    """The model, with its ONNX exports (audio and text) and gate verdicts made once: every
    test that imports it gets them with the copy, instead of each test's first index run
    exporting and gating the text encoder again (tests of the exports themselves copy the
    model without them: test_backends, test_gui_trust's one-time stage)."""
    from soundseek.embed.clap import ClapEmbedder

    build(folder)
    ClapEmbedder(folder, model_id, device="cpu").export_text()
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """The tiny (untrained) model, built once per session."""
    return built_once(tmp_path_factory, "tiny",
                      lambda f: _with_export(f, build_tiny_clap, "tiny"))  # fmt: skip


@pytest.fixture(scope="session")
def tiny_embedder(tiny_model_dir):
    from soundseek.embed.clap import ClapEmbedder

    return ClapEmbedder(tiny_model_dir, "tiny", device="cpu", threads=1)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private SOUNDSEEK_HOME so no test touches the user's real data."""
    h = tmp_path / "home"
    monkeypatch.setenv("SOUNDSEEK_HOME", str(h))
    return app_paths().ensure()


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path / "lib")


@pytest.fixture
def installed_tiny(home, tiny_model_dir):
    """The tiny model imported into the test home and selected, as a user would."""
    from soundseek.app import App

    return App.open(home).models.import_model(str(tiny_model_dir), "tiny")


@pytest.fixture(scope="session")
def trained_tiny_dir(tmp_path_factory):
    """A tiny CLAP trained on tests.tinyclap's synthetic UCS-aligned classes (about 30 s on
    one core), built once per session, with its ONNX export and gate verdict made once for
    every test that imports it (an import copies them)."""
    from tests.tinyclap import train_tiny_clap

    return built_once(tmp_path_factory, "trained",
                      lambda f: _with_export(f, train_tiny_clap, "trained"))  # fmt: skip


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server on 127.0.0.1 for the whole session (fake credentials in the env)."""
    from tests.s3server import moto_server

    with moto_server() as url:
        yield url


@pytest.fixture
def s3_uri(s3_endpoint):
    """A fresh bucket's library prefix on the local S3 server."""
    from tests.s3server import new_bucket

    return f"s3://{new_bucket(s3_endpoint)}/team"


@pytest.fixture(params=["local", "s3"])
def where(request, home):
    """Where a store test's index lives: this home's folder, or a prefix on (local) S3."""
    if request.param == "local":
        return home.store_dir
    from soundseek.index.places.objectstore import S3Location
    from soundseek.index.places.place import S3Place

    uri = request.getfixturevalue("s3_uri")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Place(S3Location.parse(uri, endpoint=endpoint), cache=home.cache_dir / "lib")


# Longest first (measured with --durations on the 2-core machine), so that the last modules
# to start are short ones: with `--dist loadscope` a whole module runs on one worker, and a long
# module that starts last keeps one worker busy while the others have nothing left to do.
# pytest-xdist hands a worker its next module as soon as two or fewer of its tests are left: the
# module fourth in line lands behind test_cluster (three tests, 2-4 min) once its first test is
# done. test_zero_shot goes there: a few tests, and by the time it runs test_relevance (started
# at once on another worker) has trained the model they share (under its file lock).
LONG_MODULES = (
    "test_gui.py", "test_cluster.py", "test_relevance.py", "test_zero_shot.py", "test_team.py",
    "test_gui_trust.py", "test_backends.py", "test_kill_resume.py", "test_indexer.py",
    "test_store.py", "test_writeback.py", "test_search.py", "test_watch.py",
    "test_hostile_files.py", "test_decoder_crash.py",
)  # fmt: skip


def pytest_configure(config):
    """Keep the order above under `--dist loadscope`: pytest-xdist's default
    (--loadscope-reorder) hands out the modules with the most tests first, which put
    test_cluster and test_kill_resume (three tests and one, ~150 s together) at the very end
    of the run, on one worker, the other two idle."""
    if getattr(config.option, "dist", "no") == "loadscope":
        config.option.loadscopereorder = False
    _shared_templates(config)


def _shared_templates(config) -> None:
    """Every home of the session (and of later sessions: pytest's cache folder) shares one
    templates folder: a new word index then copies its ~173k-row lexicon from a template
    made once (soundseek.index.wordindex.lexicon) instead of loading the dictionary again
    (~1.2 s a home). Templates are keyed and checked, so sharing them is safe; tests of the
    templates themselves point the variable at their own folder."""
    cache = getattr(config, "cache", None)
    folder = (cache.mkdir("soundseek-templates") if cache is not None
              else Path(tempfile.gettempdir()) / "soundseek-test-templates")  # fmt: skip
    os.environ[TEMPLATES_ENV] = str(folder)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: module order kept


def _printable(text: str) -> str:
    """Surrogate escapes (file names that are not UTF-8) as \\udcXX text."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test report carries what a test logged and printed; with pytest-xdist it travels to
    the main process as UTF-8, which a file name that is not UTF-8 cannot be (tests of such
    names log them): those names are escaped in the report, as the CLI prints them."""
    outcome = yield
    report = outcome.get_result()
    report.sections = [(title, _printable(body)) for title, body in report.sections]
    if report.longrepr is not None:
        text = str(report.longrepr)
        if _printable(text) != text:
            report.longrepr = _printable(text)


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: one and a half workers a core. A third of the suite waits on subprocesses,
    Ray and the S3 stand-in rather than computing; on the 2-core project machine three workers
    ran it in 314-353 s, two in 331-363 s."""
    cores = os.cpu_count() or 1
    return max(2, cores + cores // 2)


@pytest.fixture
def ptsl_standin(tmp_path):
    """A stand-in Pro Tools (PTSL over gRPC on 127.0.0.1) with a 48 kHz / 24-bit session
    "Film"; stopped after the test. gRPC is imported only by the tests that use it."""
    from tests.transfer.ptsl_standin import PtslStandIn

    standin = PtslStandIn(session_folder=tmp_path / "Film").start()
    try:
        yield standin
    finally:
        standin.stop()
