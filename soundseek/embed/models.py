"""Which CLAP models exist, where they live on disk, and how they get there (download/import)."""

from __future__ import annotations

import gc
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.errors import ModelDownloadFailed, ModelInvalid, ModelUnavailable
from soundseek.paths import AppPaths

if TYPE_CHECKING:
    from soundseek.embed.base import OnStep

Progress = Callable[[int, int], None]
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json")
DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "*.txt", "pytorch_model.bin"]


@dataclass(frozen=True)
class ModelInfo:
    """A LAION-CLAP model users can pick, with what it costs on a CPU."""

    model_id: str
    summary: str
    size_mb: int
    cpu_windows_per_s: float


KNOWN_MODELS = {
    m.model_id: m
    for m in (
        ModelInfo("laion/larger_clap_general", "general sound effects (default)", 776, 2.2),
        ModelInfo("laion/clap-htsat-unfused", "faster on CPU, ~2.3x the speed", 614, 5.0),
        ModelInfo("laion/larger_clap_music_and_speech", "music and speech", 776, 2.2),
        ModelInfo("laion/larger_clap_music", "music", 776, 2.2),
    )
}


def model_dir(paths: AppPaths, model: str) -> Path:
    """A model id maps into the models folder; an existing folder path is used as it is."""
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        return as_path.resolve()
    return paths.models_dir / model.replace("/", "--")


def is_installed(folder: Path) -> bool:
    has_weights = any((folder / f).exists() for f in WEIGHT_FILES)
    has_tok = any((folder / f).exists() for f in TOKENIZER_FILES)
    return (folder / "config.json").exists() and has_weights and has_tok


def missing_message(model: str, folder: Path) -> str:
    return (
        f"The CLAP model {model!r} is not on disk (looked in {folder}). "
        f"Download it with `soundseek model download {model}` (needs internet once), or, "
        "offline, import a copy: `soundseek model import PATH` where PATH is a model folder "
        "(config.json, model.safetensors, tokenizer files) or a laion-clap .pt checkpoint. "
        "Metadata search works without a model."
    )


def require_model(paths: AppPaths, model: str) -> Path:
    folder = model_dir(paths, model)
    if not is_installed(folder):
        raise ModelUnavailable(missing_message(model, folder))
    return folder


def bin_to_safetensors(folder: Path) -> None:
    """Some hub repos hold only a pickle .bin: convert it once, loading tensors only."""
    from safetensors.torch import save_file

    src = folder / "pytorch_model.bin"
    if not src.exists() or (folder / "model.safetensors").exists():
        return
    state = load_tensors(src)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    src.unlink()


CODE_REFUSED = "refused: this checkpoint contains code, not only tensors (nothing was run)"


def load_tensors(src: Path, allowed: list | None = None) -> object:
    """`torch.load` with `weights_only=True`; a pickle that would run code is refused, typed."""
    import pickle

    import torch

    try:
        with torch.serialization.safe_globals(allowed or []):
            return torch.load(src, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ModelInvalid(f"{src}: {CODE_REFUSED}{_unsupported_global(exc)}") from exc
    except (RuntimeError, ValueError, EOFError, OSError) as exc:
        raise ModelInvalid(f"{src} is not a loadable tensor checkpoint: {exc}") from exc


def _unsupported_global(exc: Exception) -> str:
    """torch names what the pickle wanted to call ("GLOBAL builtins.exec"); say only that."""
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
    return f"; it wanted to call {found[1]}" if found else ""


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _tqdm_with(progress: Progress | None):
    from tqdm.auto import tqdm

    if progress is None:
        return tqdm

    class Reporting(tqdm):
        def update(self, n=1):
            out = super().update(n)
            progress(int(self.n), int(self.total or 0))
            return out

    return Reporting


def download_model(paths: AppPaths, model: str, progress: Progress | None = None,
                   on_step: OnStep | None = None) -> Path:  # fmt: skip
    """Fetch a hub model into the models folder; offline this fails with a clear message."""
    from huggingface_hub import snapshot_download

    target = model_dir(paths, model)
    paths.models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=paths.models_dir))
    try:
        snapshot_download(
            repo_id=model,
            local_dir=str(staging),
            allow_patterns=DOWNLOAD_PATTERNS,
            tqdm_class=_tqdm_with(progress),
        )
        bin_to_safetensors(staging)
        validate_model_folder(staging, on_step)
        _replace_dir(staging, target)
    except (OSError, ValueError) as exc:  # huggingface_hub's errors derive from these
        raise ModelDownloadFailed(
            f"Could not download {model!r}: {_first_line(exc)}. {missing_message(model, target)}"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _replace_dir(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    src.rename(dst)


def validate_model_folder(folder: Path, on_step: OnStep | None = None) -> tuple[str, int]:
    """Load a folder through the real loader; returns (model_type, projection dim). Loading
    makes the audio encoder's one-time export and gate, which `on_step` hears."""
    from soundseek.embed.clap import ClapEmbedder

    if not is_installed(folder):
        raise ModelInvalid(f"{folder} lacks config.json, model.safetensors or tokenizer files")
    emb = ClapEmbedder(folder, folder.name, device="cpu", threads=1, on_step=on_step)
    return emb.model.config.model_type, emb.dim


def installed_models(paths: AppPaths) -> list[Path]:
    if not paths.models_dir.exists():
        return []
    return sorted(p for p in paths.models_dir.iterdir() if p.is_dir() and is_installed(p))


def load_embedder(
    paths: AppPaths, model: str, device: str = "auto", threads: int = 0,
    backend: str = "auto", precision: str = "auto", on_step: OnStep | None = None,
):  # fmt: skip
    """The configured model, loaded from disk only; raises ModelUnavailable when absent.
    What loading created (torch, transformers, ONNX Runtime: ~100k objects) lives as long as
    the model, so it is frozen out of the garbage collector's walks: unfrozen, one full
    collection cost ~270 ms in the middle of a search (bench_search --model)."""
    from soundseek.embed.clap import ClapEmbedder

    folder = require_model(paths, model)
    emb = ClapEmbedder(folder, model, device, threads, backend, precision, on_step=on_step)
    gc.freeze()
    return emb
