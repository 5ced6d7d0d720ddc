"""Walk library folders and list audio files, safely and without clutter."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

AUDIO_EXTENSIONS = frozenset(
    {".wav", ".bwf", ".wave", ".aif", ".aiff", ".aifc", ".flac", ".mp3", ".ogg", ".oga", ".opus"}
)
CLUTTER_DIRS = frozenset({"__MACOSX", "$RECYCLE.BIN", "System Volume Information", "@eaDir"})


@dataclass(frozen=True)
class ScannedFile:
    """One audio file as found on disk: enough to tell whether it changed."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ScanProblem:
    """A folder or file the walk could not look into."""

    path: str
    reason: str


def is_audio(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS


def is_clutter(name: str) -> bool:
    """Hidden files, AppleDouble `._x` files, trash and OS folders are never audio libraries."""
    return name.startswith(".") or name in CLUTTER_DIRS or name.startswith(".Trash")


def _excluded(path: str, patterns: Iterable[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, p) or fnmatch.fnmatch(os.path.basename(path), p) for p in patterns
    )


def scan(
    roots: Iterable[str | Path],
    exclusions: Iterable[str] = (),
    problems: list[ScanProblem] | None = None,
) -> Iterator[ScannedFile]:
    """Yield audio files under the roots; symlinked folders are followed once, loops are cut."""
    patterns = list(exclusions)
    seen_dirs: set[tuple[int, int]] = set()
    stack = [str(Path(r).expanduser().resolve()) for r in roots]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if problems is not None:
                problems.append(ScanProblem(folder, exc.strerror or str(exc)))
            continue
        subdirs = []
        for entry in entries:
            if is_clutter(entry.name) or _excluded(entry.path, patterns):
                continue
            found = _visit(entry, subdirs, problems)
            if found is not None:
                yield found
        stack.extend(reversed(subdirs))


def _visit(
    entry: os.DirEntry[str], subdirs: list[str], problems: list[ScanProblem] | None
) -> ScannedFile | None:
    try:
        if entry.is_dir(follow_symlinks=True):
            subdirs.append(entry.path)
            return None
        if not (is_audio(entry.name) and entry.is_file(follow_symlinks=True)):
            return None
        st = entry.stat(follow_symlinks=True)
        return ScannedFile(entry.path, st.st_size, st.st_mtime_ns)
    except OSError as exc:
        if problems is not None:
            problems.append(ScanProblem(entry.path, exc.strerror or str(exc)))
        return None
