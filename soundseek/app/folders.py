"""Folders SoundSeek keeps its own data in, checked before a job relies on them."""

from __future__ import annotations

from pathlib import Path

from soundseek.errors import SoundSeekError


class FolderUnusable(SoundSeekError):
    """A folder SoundSeek keeps its data in is a file, or may not be created or written."""


def usable_folder(path: Path, what: str) -> Path:
    """`path`, created if missing; FolderUnusable (with what to do) if something is in its
    way: a file of that name, a missing permission, a full or read-only disk."""
    if path.exists() and not path.is_dir():
        raise FolderUnusable(f"{what} folder {path} is a file, not a folder: move or rename "
                             "that file, then try again")  # fmt: skip
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderUnusable(f"{what} folder {path} cannot be created "
                             f"({exc.strerror or exc})") from exc  # fmt: skip
    return path
