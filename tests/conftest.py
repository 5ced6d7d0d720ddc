from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import pytest

from soundseek.paths import app_paths
from tests.audiofiles import make_library
from tests.tinyclap import build_tiny_clap


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """The tiny model, with its ONNX export and gate verdict made once: every test that
    imports it gets them with the copy (tests of the export itself copy it without)."""
    from soundseek.embed.clap import ClapEmbedder

    folder = build_tiny_clap(tmp_path_factory.mktemp("models") / "tiny")
    ClapEmbedder(folder, "tiny", device="cpu")
    return folder


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

    return App.open(home).import_model(str(tiny_model_dir), "tiny")


@pytest.fixture(scope="session")
def trained_tiny_dir(tmp_path_factory):
    """A tiny CLAP trained on tests.tinyclap's synthetic UCS-aligned classes (about 20 s on
    two cores), with its ONNX export and gate verdict made once for every test that imports
    it (an import copies them)."""
    from soundseek.embed.clap import ClapEmbedder
    from tests.tinyclap import train_tiny_clap

    folder = train_tiny_clap(tmp_path_factory.mktemp("models") / "trained")
    ClapEmbedder(folder, "trained", device="cpu")
    return folder


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
    from soundseek.index.objectstore import S3Location
    from soundseek.index.place import S3Place

    uri = request.getfixturevalue("s3_uri")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Place(S3Location.parse(uri, endpoint=endpoint), cache=home.cache_dir / "lib")
