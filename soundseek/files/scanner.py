"""Walk library folders and list audio files, safely and without clutter."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from soundseek.files.roots import Root, relpath_of

AUDIO_EXTENSIONS = frozenset(
    {".wav", ".bwf", ".wave", ".rf64", ".w64", ".aif", ".aiff", ".aifc", ".flac", ".mp3",
     ".mp2", ".ogg", ".oga", ".opus", ".wv", ".m4a", ".aac", ".caf", ".wma", ".au", ".snd"}
)  # fmt: skip
CLUTTER_DIRS = frozenset({"__MACOSX", "$RECYCLE.BIN", "System Volume Information", "@eaDir"})


@dataclass(frozen=True)
class ScannedFile:
    """One audio file as found on disk: where it is, and enough to tell whether it changed."""

    root_id: str
    relpath: str
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
    roots: Iterable[Root],
    exclusions: Iterable[str] = (),
    problems: list[ScanProblem] | None = None,
) -> Iterator[ScannedFile]:
    """Yield audio files under the roots; a root nested in another owns its own subtree."""
    roots = list(roots)
    patterns = list(exclusions)
    for root in roots:
        others = {os.path.normcase(r.path) for r in roots if r.id != root.id}
        yield from _walk(root, others, patterns, problems)


def _walk(
    root: Root, skip: set[str], patterns: list[str], problems: list[ScanProblem] | None
) -> Iterator[ScannedFile]:
    """Depth-first, sorted; symlinked folders are followed once and loops are cut."""
    seen_dirs: set[tuple[int, int]] = set()
    stack = [root.path]
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
        subdirs: list[str] = []
        for entry in entries:
            if is_clutter(entry.name) or _excluded(entry.path, patterns):
                continue
            found = _visit(entry, subdirs, problems)
            if found is not None:
                yield ScannedFile(root.id, relpath_of(found[0], root.path), *found)
        stack.extend(d for d in reversed(subdirs) if os.path.normcase(d) not in skip)


def _visit(
    entry: os.DirEntry[str], subdirs: list[str], problems: list[ScanProblem] | None
) -> tuple[str, int, int] | None:
    try:
        if entry.is_dir(follow_symlinks=True):
            subdirs.append(entry.path)
            return None
        if not (is_audio(entry.name) and entry.is_file(follow_symlinks=True)):
            return None
        st = entry.stat(follow_symlinks=True)
        return entry.path, st.st_size, st.st_mtime_ns
    except OSError as exc:
        if problems is not None:
            problems.append(ScanProblem(entry.path, exc.strerror or str(exc)))
        return None
