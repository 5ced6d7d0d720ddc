"""Every location SoundSeek reads or writes, decided in one place."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "SoundSeek"
HOME_ENV = "SOUNDSEEK_HOME"
RESOURCES_ENV = "SOUNDSEEK_RESOURCES"
TEMPLATES_ENV = "SOUNDSEEK_TEMPLATES"


@dataclass(frozen=True)
class AppPaths:
    """The folders of one SoundSeek installation (per user, or portable under SOUNDSEEK_HOME)."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    transfer_dir: Path  # transferred copies for DAWs, unless the user chose a folder

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def render_dir(self) -> Path:
        """Where rendered regions and format conversions for drag-and-drop live."""
        return self.cache_dir / "renders"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "soundseek.log"

    @property
    def summary_file(self) -> Path:
        """A small JSON of library counts, read at start so the window never waits for the index."""
        return self.cache_dir / "library_summary.json"

    def ensure(self) -> AppPaths:
        for d in (self.config_dir, self.data_dir, self.cache_dir, self.models_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(home: str | os.PathLike[str] | None = None) -> AppPaths:
    """Resolve paths: explicit argument, then $SOUNDSEEK_HOME, then the platform's user dirs."""
    root = home if home is not None else os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return AppPaths(base / "config", base / "data", base / "cache", base / "transfers")
    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        # where people look for audio they made: ~/Music (macOS, Linux), Music (Windows)
        Path(platformdirs.user_music_dir()) / f"{APP_NAME} Transfers",
    )


def resources_dir() -> Path:
    """The shipped resources/ folder: env override, PyInstaller bundle, or the source tree."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def templates_dir() -> Path:
    """Files made once per machine that every new library starts from (the word index's
    lexicon): env override (the test suite shares one folder between its homes), else the
    installation's cache. They are keyed by what made them and checked before each use, so
    any number of homes and processes may share them."""
    override = os.environ.get(TEMPLATES_ENV)
    return Path(override) if override else app_paths().cache_dir / "templates"


def os_name(path: str) -> str | bytes:
    """The name to hand a C library (libsndfile) that encodes a str strictly: a file name that
    is not valid UTF-8 (old sample CDs) reaches Python as surrogate escapes (os.fsdecode), and
    goes back as the very bytes it stands for."""
    if os.name == "nt":
        return path
    try:
        path.encode()
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def shown(path: str) -> str:
    """A path as text any terminal, JSON or log takes: bytes that are not UTF-8 appear as
    \\xff escapes (the path itself is never changed, only how it is shown)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
