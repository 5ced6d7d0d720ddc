"""Library folders ("roots") and how a file's location is split into (root, relative path).

Files are stored relative to their root so a library that moved (another mount point, another
drive letter) is re-pointed by changing one path, keeping every vector. Relative paths always use
`/`, whatever the platform, so an index carried between machines still matches.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

from soundseek.files import names


@dataclass(frozen=True)
class Root:
    """A library folder: a stable id, a display name and where it is mounted on this machine."""

    id: str
    path: str
    name: str

    @property
    def online(self) -> bool:
        return os.path.isdir(self.path)

    def local_path(self, relpath: str) -> str:
        """The absolute path of a file of this root on this machine (a name stored escaped,
        see files/names.py, comes back as the operating system spells it)."""
        return os.path.join(self.path, *names.decode(relpath).split("/"))

    def contains(self, path: str) -> bool:
        return is_within(path, self.path)


def new_root(path: str | os.PathLike[str]) -> Root:
    p = normalise_root_path(path)
    return Root(uuid.uuid4().hex[:12], p, PurePath(p).name or p)


def normalise_root_path(path: str | os.PathLike[str]) -> str:
    """Absolute, symlinks resolved, no trailing separator: one spelling per folder."""
    return str(Path(path).expanduser().resolve())


def is_within(path: str, folder: str) -> bool:
    """True if `path` is `folder` or lies below it (by path components, not string prefix)."""
    folder = folder.rstrip("/\\") or folder
    return path == folder or path.startswith(folder + os.sep) or path.startswith(folder + "/")


def relpath_of(path: str, root_path: str) -> str:
    """The `/`-separated path of a file inside its root, as the index stores it: bytes that
    are not UTF-8 escaped (files/names.py), so any name can be stored and found again."""
    rel = os.path.relpath(path, root_path)
    return names.encode(rel.replace(os.sep, "/") if os.sep != "/" else rel)


def reldir_of(relpath: str) -> str:
    """The folder part of a relative path ('' for files directly in the root)."""
    return relpath.rpartition("/")[0]


def owning_root(path: str, roots: list[Root]) -> Root | None:
    """The most specific root a path lies in (nested roots own their subtree)."""
    inside = [r for r in roots if r.contains(path)]
    return max(inside, key=lambda r: len(r.path)) if inside else None
