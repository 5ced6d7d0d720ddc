"""Moving a user's file without ever losing or overwriting one: the step a copies move and
its undo share.

A move never replaces a file: the name is taken with a hard link (or a rename where links do
not exist) that fails when it is taken, and a taken name gets the next free "name 2.wav".
Across devices the file is copied under a partial name beside its new place, fsync'd, its
sha256 checked against the journal's, given its name (never over another file), and only
then is the source removed. A kill leaves one of: the source alone, a partial copy (removed
by the next undo), two names of one file, or a verified copy beside the source; the undo
tells them apart by name and content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from soundseek.files.durable import fsync_dir, move_no_replace
from soundseek.writing.journal import sha256_file

PART_SUFFIX = ".soundseek-part"


class ContentMismatch(OSError):
    """A copy did not hash to the journal's sha256: nothing was moved."""


def free_name(folder: str, name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """`folder/name`, or `name 2`, `name 3`… the first not on disk nor in `taken`."""
    stem, ext = os.path.splitext(name)
    candidate = os.path.join(folder, name)
    i = 1
    while os.path.lexists(candidate) or candidate in taken:
        i += 1
        candidate = os.path.join(folder, f"{stem} {i}{ext}")
    return candidate


def part_name(target: str) -> str:
    """The partial copy of a cross-device move to `target` (hidden, beside it)."""
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}{PART_SUFFIX}")


def move_file(path: str, target: str, sha256: str) -> None:
    """Move `path` to `target`, never over another file (FileExistsError); across devices by
    a verified copy (ContentMismatch if it does not hash to `sha256`)."""
    try:
        move_no_replace(path, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_then_remove(path, target, sha256)
    fsync_dir(Path(path).parent)


def _copy_then_remove(path: str, target: str, sha256: str) -> None:
    part = part_name(target)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(part)
    try:
        shutil.copyfile(path, part)
        shutil.copystat(path, part)
        with open(part, "rb+") as fh:
            os.fsync(fh.fileno())
        if sha256 and sha256_file(part) != sha256:
            raise ContentMismatch(errno.EIO, "the copy does not match the original", path)
        move_no_replace(part, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(part)
    os.unlink(path)


def remove_part(target: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(part_name(target))
