"""Bring a model the user has into the models folder: a Hugging Face model folder (copied,
`.bin` weights converted to safetensors) or a LAION-CLAP `.pt` checkpoint (converted), always
validated by loading it before it replaces anything."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from soundseek.embed.backends import CACHE_DIR
from soundseek.embed.base import OnStep
from soundseek.embed.convert_pt import convert_checkpoint
from soundseek.embed.models import _replace_dir, bin_to_safetensors, validate_model_folder
from soundseek.errors import ModelInvalid
from soundseek.paths import AppPaths


def import_model(paths: AppPaths, source: str | Path, name: str | None = None,
                 on_step: OnStep | None = None) -> Path:  # fmt: skip
    """Copy a model folder (or convert a laion-clap .pt) into the models folder, validated
    (validating makes the one-time audio export and gate, which `on_step` hears)."""
    src = Path(source).expanduser().resolve()
    if src.suffix == ".pt" and src.is_file():
        return convert_checkpoint(paths, src, name, on_step)
    if not src.is_dir():
        raise ModelInvalid(f"{src} is neither a model folder nor a .pt checkpoint")
    bin_only = (src / "pytorch_model.bin").exists() and not (src / "model.safetensors").exists()
    target = paths.models_dir / (name or src.name)
    paths.models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=paths.models_dir))
    try:
        for f in src.iterdir():
            if f.is_file():
                shutil.copy2(f, staging / f.name)
        if (src / CACHE_DIR).is_dir():  # an export and gate verdicts made for these weights
            shutil.copytree(src / CACHE_DIR, staging / CACHE_DIR)
        if bin_only:
            bin_to_safetensors(staging)
        validate_model_folder(staging, on_step)
        _replace_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
