"""User settings persisted as versioned JSON, with migration from older versions."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from soundseek.core.paths import AppPaths

SETTINGS_VERSION = 1
DEFAULT_MODEL = "laion/larger_clap_general"
FAST_CPU_MODEL = "laion/clap-htsat-unfused"


@dataclass
class Settings:
    """What the user chose; everything else is derived."""

    library_roots: list[str] = field(default_factory=list)
    exclusions: list[str] = field(default_factory=list)
    model: str = DEFAULT_MODEL
    device: str = "auto"
    caption_prompts: bool = True
    auto_play: bool = True
    loop: bool = False
    volume: float = 0.8
    drag_render_unsupported: bool = True
    theme: str = "dark"
    torch_threads: int = 0
    version: int = SETTINGS_VERSION

    def add_root(self, path: str | Path) -> bool:
        p = str(Path(path).expanduser().resolve())
        if p in self.library_roots:
            return False
        self.library_roots.append(p)
        return True

    def remove_root(self, path: str | Path) -> bool:
        p = str(Path(path).expanduser().resolve())
        if p not in self.library_roots:
            return False
        self.library_roots.remove(p)
        return True


def _migrate(raw: dict) -> dict:
    """Bring an older settings dict up to SETTINGS_VERSION (version 0 had `roots`)."""
    if raw.get("version", 0) < 1 and "roots" in raw:
        raw["library_roots"] = raw.pop("roots")
    raw["version"] = SETTINGS_VERSION
    return raw


def load_settings(paths: AppPaths) -> Settings:
    """Read settings; unknown keys are ignored and a corrupt file falls back to defaults."""
    try:
        raw = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError):
        broken = paths.settings_file.with_suffix(".broken.json")
        os.replace(paths.settings_file, broken)
        return Settings()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in _migrate(raw).items() if k in known})


def save_settings(paths: AppPaths, settings: Settings) -> None:
    """Write atomically so a crash never leaves half a settings file."""
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=paths.config_dir, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(settings), fh, indent=2)
    os.replace(tmp, paths.settings_file)
