"""User settings persisted as versioned JSON, with declared migrations from older versions.

Library folders are not settings any more (version 2): they belong to the index, by id, so
files can be kept relative to them. A version-1 file's `library_roots` are handed to the
application once, which registers them with the index.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace

from soundseek.paths import AppPaths

SETTINGS_VERSION = 2
DEFAULT_MODEL = "laion/larger_clap_general"
FAST_CPU_MODEL = "laion/clap-htsat-unfused"
MODEL_KEYS = frozenset({"model", "device", "torch_threads", "audio_backend", "precision"})


@dataclass(frozen=True)
class Settings:
    """What the user chose; everything else is derived. Change through `App.update_settings`."""

    exclusions: list[str] = field(default_factory=list)
    model: str = DEFAULT_MODEL
    device: str = "auto"
    torch_threads: int = 0
    audio_backend: str = "auto"  # auto | torch | onnx (CPU: ONNX Runtime when it passes the gate)
    # auto | fp32 | fp16 | int8. auto: int8 ONNX on the CPU where this model's gate passes,
    # else fp32; fp16 on CUDA/MPS where it passes. fp32 never quantises.
    precision: str = "auto"
    batch_size: int = 8
    index_workers: int = 0  # decoder processes; 0: one per core (below the model's priority)
    caption_prompts: bool = True
    auto_play: bool = True
    loop: bool = False
    volume: float = 0.8
    drag_render_unsupported: bool = True
    transfer_preset: str = "keep"  # the DAW preset drags and `transfer` use (transfer.presets)
    transfer_folder: str = ""  # "": paths.transfer_dir
    transfer_overrides: dict[str, dict] = field(default_factory=dict)  # preset -> changed fields
    theme: str = "dark"
    watch_polling: bool = False
    ucs_creator_id: str = ""  # UCS filename blocks for `write --rename`
    ucs_source_id: str = ""
    location: str = ""  # "" or "local": this home's index folder; s3://bucket/prefix: shared
    s3_endpoint: str = ""  # an S3-compatible store's URL (MinIO, Ceph, a NAS); "" for AWS
    s3_region: str = ""
    root_mounts: dict[str, str] = field(default_factory=dict)  # root id -> path here
    search_local_too: bool = True  # with a shared location: also search this home's index
    mirror_shared: bool = True  # read a shared library from a local copy of its tables
    version: int = SETTINGS_VERSION


def _v0_to_v1(raw: dict) -> dict:
    if "roots" in raw:
        raw["library_roots"] = raw.pop("roots")
    return raw


def _v1_to_v2(raw: dict) -> dict:
    raw["legacy_roots"] = raw.pop("library_roots", [])
    return raw


MIGRATIONS = {0: _v0_to_v1, 1: _v1_to_v2}


def _migrate(raw: dict) -> dict:
    """Apply the declared migrations in order up to SETTINGS_VERSION."""
    version = int(raw.get("version", 0))
    while version < SETTINGS_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
    raw["version"] = SETTINGS_VERSION
    return raw


def _read_raw(paths: AppPaths) -> dict:
    try:
        return json.loads(paths.settings_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        broken = paths.settings_file.with_suffix(".broken.json")
        os.replace(paths.settings_file, broken)  # kept for the user; defaults from now on
        return {}


def load_settings(paths: AppPaths) -> tuple[Settings, list[str]]:
    """The settings, plus library folders a version-1 file still listed (to register once).
    Unknown keys are ignored and a corrupt file is set aside, never fatal."""
    raw = _migrate(_read_raw(paths))
    legacy = [str(p) for p in raw.pop("legacy_roots", [])]
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in raw.items() if k in known}), legacy


def save_settings(paths: AppPaths, settings: Settings) -> None:
    """Write atomically so a crash never leaves half a settings file."""
    _write_raw(paths, asdict(settings))


def _write_raw(paths: AppPaths, raw: dict) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=paths.config_dir, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(raw, fh, indent=2)
        os.replace(tmp, paths.settings_file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_changes(paths: AppPaths, changes: dict[str, object]) -> Settings:
    """Merge only these keys into the settings file as it is on disk now, atomically, and
    return the result. The window, the CLI and `watch` share one file: a process saves what
    its user changed and never writes back its stale copy of the rest (a model chosen from
    the terminal survives the window's Settings ▸ OK). Keys this version does not know (a
    newer SoundSeek's) are kept."""
    raw = _migrate(_read_raw(paths))
    raw.pop("legacy_roots", None)  # adopted when this home was opened
    known = {f.name for f in fields(Settings)}
    current = Settings(**{k: v for k, v in raw.items() if k in known})
    merged = replace(current, **changes)
    _write_raw(paths, {**raw, **asdict(merged)})
    return merged


def settings_stamp(paths: AppPaths) -> tuple[int, int, int] | None:
    """Changes when another process saves settings (a model switch from the CLI...): every
    save is a new file (an atomic replace), so its inode tells two saves within one tick of
    the file system's clock apart."""
    try:
        st = paths.settings_file.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size
