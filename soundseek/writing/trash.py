"""The system trash: a copy sent there (send2trash), and found there again to put it back.

Sending: on macOS and Windows send2trash's own call (the Finder's and the shell's trash). On
Linux and other freedesktop systems send2trash's freedesktop mover, with the home trash read
when the file is sent ($XDG_DATA_HOME/Trash, else ~/.local/share/Trash: send2trash itself
reads it once, at import) and chosen when the file is on the same device as that trash, else
the volume's `.Trash/$UID` or `.Trash-$UID`, as the trash specification says.

Finding: the trash records where each file came from, and an undo matches that record to the
original path (the caller then checks the file's sha256 against the journal before it trusts
it): freedesktop `info/NAME.trashinfo` (`Path=`, URL-encoded, relative to the volume's top
for a volume trash), Windows `$Recycle.Bin\\<SID>\\$I…` (version 1: a fixed 520-byte name;
version 2: a length, then the name; the file is the `$R…` beside it). macOS keeps the
origin only in the Finder's private .DS_Store, so there a file is found by its name (the
Finder adds a time or a number to a taken one) and its hash. Only the freedesktop trash is
exercised by the tests (they run on Linux); the other two follow the documented layouts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

INFO_SUFFIX = ".trashinfo"


@dataclass(frozen=True)
class Trashed:
    """A file in the trash: where its bytes are, and the record naming its origin (removed
    once it is put back; none on macOS)."""

    path: str
    info: str = ""


def send_to_trash(path: str) -> None:
    """Move one file to the system trash; raises OSError when it cannot."""
    if sys.platform in ("darwin", "win32"):
        from send2trash import send2trash

        send2trash(path)
    else:
        _freedesktop_put(path)


def in_trash(original: str) -> list[Trashed]:
    """The files in the trash that came from `original` (macOS: that carry its name)."""
    original = os.path.abspath(original)
    if sys.platform == "darwin":
        return _mac_find(original)
    if sys.platform == "win32":
        return _recycle_bin_find(original)
    return [t for t in _freedesktop_records(original) if os.path.lexists(t.path)]


def stale_records(original: str) -> list[Trashed]:
    """Trash records naming `original` whose file is no longer in the trash (a kill between
    writing the record and moving the file, or between putting it back and removing it)."""
    original = os.path.abspath(original)
    if sys.platform == "win32":
        return _recycle_bin_find(original, stale=True)
    if sys.platform == "darwin":
        return []  # the Finder keeps no record of its own beside the file
    return [t for t in _freedesktop_records(original) if not os.path.lexists(t.path)]


def forget(item: Trashed) -> None:
    """Remove the record of a file that was put back."""
    if item.info:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(item.info)


# -- freedesktop ------------------------------------------------------------------------------
def _data_home() -> str:
    return os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")


def _device(path: str) -> int:
    """The device of `path`, or of its nearest existing folder (a trash not made yet)."""
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return os.stat(path).st_dev


def _mount_point(path: str) -> str:
    path = os.path.realpath(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


def _freedesktop_put(path: str) -> None:
    from send2trash import plat_other as fd

    home, top = os.path.join(_data_home(), "Trash"), _data_home()
    if _device(path) == _device(home):
        fd.trash_move(os.fsencode(path), os.fsencode(home), os.fsencode(top))
        return
    volume = os.fsencode(_mount_point(path))
    try:
        fd.trash_move(os.fsencode(path), fd.find_ext_volume_trash(volume), volume)
    except OSError as exc:  # no usable trash on that volume: the home trash, copied there
        if exc.errno != errno.EXDEV and not isinstance(exc, PermissionError):
            raise
        fd.trash_move(os.fsencode(path), os.fsencode(home), os.fsencode(top), cross_dev=True)


def _freedesktop_trashes(original: str) -> list[tuple[str, str]]:
    """(trash folder, the folder its relative `Path=` values start from), that exist."""
    uid = str(os.getuid()) if hasattr(os, "getuid") else ""
    out = [(os.path.join(_data_home(), "Trash"), _data_home())]
    try:
        volume = _mount_point(os.path.dirname(original))
    except OSError:
        volume = ""
    if volume:
        out += [(os.path.join(volume, ".Trash", uid), volume),
                (os.path.join(volume, f".Trash-{uid}"), volume)]  # fmt: skip
    return [(t, top) for t, top in dict.fromkeys(out) if os.path.isdir(os.path.join(t, "info"))]


def _freedesktop_records(original: str) -> list[Trashed]:
    """Records naming `original`. Only those whose name starts with its stem are read (a
    trash names a file after it: `take.wav`, `take 2.wav`), so a full trash costs one
    listing, not a read of every record, per file."""
    original = os.path.abspath(original)
    stem = os.path.splitext(os.path.basename(original))[0]
    out = []
    for trash, top in _freedesktop_trashes(original):
        info_dir = os.path.join(trash, "info")
        for name in sorted(os.listdir(info_dir)):
            if not (name.endswith(INFO_SUFFIX) and name.startswith(stem)):
                continue
            info = os.path.join(info_dir, name)
            origin = trashinfo_origin(info, top)
            if origin and _same_path(origin, original):
                out.append(Trashed(os.path.join(trash, "files", name[: -len(INFO_SUFFIX)]), info))
    return out


def trashinfo_origin(info: str, top: str) -> str:
    """The original path a .trashinfo file records ("" when it records none)."""
    try:
        with open(info, "rb") as fh:
            lines = fh.read(1 << 16).splitlines()
    except OSError:
        return ""
    for line in lines:
        if line.startswith(b"Path="):
            path = os.fsdecode(unquote_to_bytes(line[5:].strip()))
            return os.path.normpath(os.path.join(top, path))
    return ""


def _same_path(a: str, b: str) -> bool:
    if os.path.normpath(a) == os.path.normpath(b):
        return True
    folder_a, folder_b = os.path.dirname(a), os.path.dirname(b)
    return os.path.basename(a) == os.path.basename(b) and (
        os.path.realpath(folder_a) == os.path.realpath(folder_b)
    )


# -- macOS ------------------------------------------------------------------------------------
def _mac_find(original: str) -> list[Trashed]:
    """Files in the user's trash or the volume's `.Trashes/<uid>` named like `original`
    (`take.wav`, `take 2.wav`, `take 10.31.22.wav`); the caller matches the hash."""
    stem, ext = os.path.splitext(os.path.basename(original))
    folders = [os.path.expanduser("~/.Trash")]
    with contextlib.suppress(OSError):
        folders.append(os.path.join(_mount_point(os.path.dirname(original)), ".Trashes",
                                    str(os.getuid())))  # fmt: skip
    out = []
    for folder in folders:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name == stem + ext or (name.startswith(stem + " ") and name.endswith(ext)):
                out.append(Trashed(os.path.join(folder, name)))
    return out


# -- Windows ----------------------------------------------------------------------------------
def recycle_info_origin(data: bytes) -> str:
    """The original path in a `$I` file's bytes ("" when it is not one)."""
    if len(data) < 24:
        return ""
    version = int.from_bytes(data[:8], "little")
    if version == 1:
        raw = data[24 : 24 + 520]
    elif version == 2 and len(data) >= 28:
        chars = int.from_bytes(data[24:28], "little")
        raw = data[28 : 28 + 2 * chars]
    else:
        return ""
    return raw.decode("utf-16-le", errors="replace").split("\0", 1)[0]


def _recycle_bin_find(original: str, stale: bool = False, bin_root: str = "") -> list[Trashed]:
    """`$R` files whose `$I` record names `original` (case-insensitive, as Windows names
    are); with `stale`, the `$I` records whose `$R` file is gone."""
    drive = os.path.splitdrive(original)[0]
    bin_root = bin_root or os.path.join(drive + os.sep, "$Recycle.Bin")
    out = []
    for sid in _listdir(bin_root):
        folder = os.path.join(bin_root, sid)
        for name in _listdir(folder):
            if not name.startswith("$I"):
                continue
            info = os.path.join(folder, name)
            try:
                with open(info, "rb") as fh:
                    origin = recycle_info_origin(fh.read(4096))
            except OSError:
                continue
            data = os.path.join(folder, "$R" + name[2:])
            if origin.lower() == original.lower() and os.path.lexists(data) != stale:
                out.append(Trashed(data, info))
    return out


def _listdir(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []
