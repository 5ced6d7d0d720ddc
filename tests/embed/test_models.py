from __future__ import annotations

import pytest

from soundseek.embed import importing, models
from soundseek.errors import ModelDownloadFailed, ModelInvalid, ModelUnavailable
from tests.tinyclap import RunsCode, pickle_only_copy


def test_missing_model_names_the_model_and_how_to_import(home):
    with pytest.raises(ModelUnavailable) as err:
        models.load_embedder(home, "laion/larger_clap_general")
    msg = str(err.value)
    assert "laion/larger_clap_general" in msg
    assert "soundseek model import" in msg and "soundseek model download" in msg


def test_download_offline_fails_cleanly(home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelDownloadFailed, match="Could not download"):
        models.download_model(home, "laion/clap-htsat-unfused")
    leftovers = [p for p in home.models_dir.iterdir()]
    assert leftovers == []


def test_import_folder_validates_and_installs(home, tiny_model_dir):
    folder = importing.import_model(home, tiny_model_dir, "mine")
    assert models.is_installed(folder)
    assert [p.name for p in models.installed_models(home)] == ["mine"]
    emb = models.load_embedder(home, "mine", "cpu", 1)
    assert emb.dim == 32


def test_import_of_pickle_only_folder_converts_to_safetensors(home, tiny_model_dir, tmp_path):
    src = pickle_only_copy(tiny_model_dir, tmp_path / "binonly")
    folder = importing.import_model(home, src, "converted")
    assert (folder / "model.safetensors").exists()
    assert not (folder / "pytorch_model.bin").exists()


def test_import_of_non_model_is_refused_and_leaves_nothing(home, tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "config.json").write_text("{}")
    with pytest.raises(ModelInvalid):
        importing.import_model(home, junk)
    assert models.installed_models(home) == []


def test_pickle_that_holds_code_is_refused_with_a_clear_reason(home, tiny_model_dir, tmp_path):
    src = pickle_only_copy(tiny_model_dir, tmp_path / "evil", {"payload": RunsCode()})
    with pytest.raises(ModelInvalid, match="refused: this checkpoint contains code"):
        importing.import_model(home, src, "evil")
    assert models.installed_models(home) == []
