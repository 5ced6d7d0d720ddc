from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from soundseek.embed import models
from soundseek.errors import ModelDownloadFailed, ModelInvalid, ModelUnavailable


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
    folder = models.import_model(home, tiny_model_dir, "mine")
    assert models.is_installed(folder)
    assert [p.name for p in models.installed_models(home)] == ["mine"]
    emb = models.load_embedder(home, "mine", "cpu", 1)
    assert emb.dim == 32


def test_import_of_pickle_only_folder_converts_to_safetensors(home, tiny_model_dir, tmp_path):
    src = tmp_path / "binonly"
    src.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.name != "model.safetensors":
            (src / f.name).write_bytes(f.read_bytes())
    torch.save(load_file(str(tiny_model_dir / "model.safetensors")), src / "pytorch_model.bin")
    folder = models.import_model(home, src, "converted")
    assert (folder / "model.safetensors").exists()
    assert not (folder / "pytorch_model.bin").exists()


def test_import_of_non_model_is_refused_and_leaves_nothing(home, tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "config.json").write_text("{}")
    with pytest.raises(ModelInvalid):
        models.import_model(home, junk)
    assert models.installed_models(home) == []


class _RunsCode:
    """A pickle payload that would run code when loaded without weights_only."""

    def __reduce__(self):
        return (print, ("this must never run",))


def test_pickle_that_holds_code_is_refused_with_a_clear_reason(home, tiny_model_dir, tmp_path):
    src = tmp_path / "evil"
    src.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.name != "model.safetensors":
            (src / f.name).write_bytes(f.read_bytes())
    state = load_file(str(tiny_model_dir / "model.safetensors"))
    torch.save({"weights": state, "payload": _RunsCode()}, src / "pytorch_model.bin")
    with pytest.raises(ModelInvalid, match="refused: this checkpoint contains code"):
        models.import_model(home, src, "evil")
    assert models.installed_models(home) == []
