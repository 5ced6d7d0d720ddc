"""Durable file steps shared by everything that writes beside a user's files: a folder
synced after a rename, a rename that never replaces another file, and an append-only JSON
lines file that survives a full disk and a kill (a torn last line is cut off)."""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in this folder durable (POSIX)."""
    if os.name == "nt":  # Windows has no directory handles to sync
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LineFile:
    """An append-only file of JSON lines. A line that cannot be written whole (a full disk)
    is cut off again, and a line torn by a kill is cut off when the file is reopened, so a
    later line never joins a broken one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        end = os.lseek(self._fd, 0, os.SEEK_END)
        if end:
            whole = path.read_bytes().rfind(b"\n") + 1
            if whole != end:
                os.ftruncate(self._fd, whole)
                os.lseek(self._fd, whole, os.SEEK_SET)

    def add(self, record: dict, sync: bool = True) -> None:
        # ASCII escapes: a file name that is not UTF-8 (surrogate escapes) is kept exactly too
        data = (json.dumps(record) + "\n").encode("ascii")
        start = os.lseek(self._fd, 0, os.SEEK_CUR)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            if sync:
                os.fsync(self._fd)
        except OSError:
            try:
                os.ftruncate(self._fd, start)
                os.lseek(self._fd, start, os.SEEK_SET)
            except OSError:
                log.warning("could not cut a torn line off %s", self.path)
            raise

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def move_no_replace(path: str, new_path: str) -> None:
    """Rename, never over another file: a hard link fails if the name is taken (where links
    exist). Raises FileExistsError when the name is taken."""
    try:
        os.link(path, new_path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (exFAT, some shares)
        if os.path.lexists(new_path):
            raise FileExistsError(errno.EEXIST, "File exists", new_path) from None
        os.rename(path, new_path)
    else:
        os.unlink(path)
    fsync_dir(Path(new_path).parent)
