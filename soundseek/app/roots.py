"""The rules for library folders: adding, removing and re-pointing them.

A folder inside one already in the library adds nothing (it is already indexed); a folder that
contains library folders takes them over (their files keep their vectors). Re-pointing checks
that the new folder really holds the library's files before it changes anything.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from soundseek.errors import RootError
from soundseek.files.roots import Root, is_within, new_root, normalise_root_path
from soundseek.index.places.registry import RootRegistry

RELOCATE_SAMPLE = 200


@dataclass(frozen=True)
class RootAdded:
    root: Root
    added: bool
    note: str = ""
    absorbed: tuple[Root, ...] = ()


@dataclass(frozen=True)
class Relocation:
    root: Root
    old_path: str
    checked: int  # library files looked for under the new path
    found: int


def find_root(roots: list[Root], ref: str) -> Root:
    """A root by id, by the path it was added with, or by any spelling of that path."""
    for r in roots:
        if ref in (r.id, r.path):
            return r
    try:
        norm = normalise_root_path(ref)
    except (OSError, RuntimeError):
        norm = ref
    for r in roots:
        if r.path == norm or os.path.normcase(r.path) == os.path.normcase(norm):
            return r
    raise RootError(f"{ref} is not a library folder (see `soundseek status`)")


def add_root(registry: RootRegistry, path: str) -> RootAdded:
    if not Path(path).expanduser().is_dir():
        raise RootError(f"{path} is not a folder")
    wanted = normalise_root_path(path)
    result: list[RootAdded] = []

    def change(roots: list[Root]) -> list[Root]:
        for r in roots:
            if r.path == wanted:
                result.append(RootAdded(r, False, "already in the library"))
                return roots
            if is_within(wanted, r.path):
                result.append(RootAdded(r, False, f"already in the library (inside {r.path})"))
                return roots
        inner = tuple(r for r in roots if is_within(r.path, wanted))
        root = new_root(wanted)
        note = f"now includes {', '.join(r.path for r in inner)}" if inner else ""
        result.append(RootAdded(root, True, note, inner))
        return [r for r in roots if r not in inner] + [root]

    registry.update(change)
    return result[0]


def remove_root(registry: RootRegistry, ref: str) -> Root:
    gone = find_root(registry.load(), ref)
    registry.update(lambda roots: [r for r in roots if r.id != gone.id])
    return gone


def check_relocation(
    roots: list[Root], ref: str, new_path: str, relpaths: list[str], force: bool
) -> Relocation:
    """Validate a move of root `ref` to `new_path`; `relpaths` are files the index holds."""
    root = find_root(roots, ref)
    if not Path(new_path).expanduser().is_dir():
        raise RootError(f"{new_path} is not a folder")
    target = normalise_root_path(new_path)
    for other in roots:
        if other.id != root.id and (is_within(target, other.path) or is_within(other.path, target)):
            raise RootError(f"{target} overlaps the library folder {other.path}")
    sample = random.Random(0).sample(relpaths, min(len(relpaths), RELOCATE_SAMPLE))
    moved = replace(root, path=target, name=PurePath(target).name or target)
    found = sum(os.path.isfile(moved.local_path(p)) for p in sample)
    if sample and not found and not force:
        raise RootError(
            f"none of {len(sample)} files of {root.path} checked are under {target}; is it the "
            "right folder? (use --force to re-point anyway)"
        )
    return Relocation(moved, root.path, len(sample), found)


def apply_relocation(registry: RootRegistry, move: Relocation) -> None:
    registry.update(lambda roots: [move.root if r.id == move.root.id else r for r in roots])
