"""Where a transfer's bytes go: hidden temporary files beside the destination, published
under their final names only once complete, so a DAW (or a drop) never sees a half-written
file and a full disk, a read-only folder or a kill leaves nothing behind but a temporary
file the next transfer into that folder removes.

A published name never replaces a file that is there: names are chosen free, and the
publish itself is a no-replace link (see files.durable.move_no_replace).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from soundseek.errors import TransferError
from soundseek.files.durable import fsync_dir, move_no_replace

PART = ".soundseek-part"
STALE_SECONDS = 3600.0
HEADROOM = 1 << 20
_SWEPT: set[str] = set()  # folders whose leftover temporaries this process has removed


def ensure_folder(folder: Path) -> None:
    """The destination exists and takes files, or a one-line TransferError says why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TransferError(folder, f"cannot create the folder ({reason(exc)})") from exc
    if not os.access(folder, os.W_OK):
        raise TransferError(folder, "the folder is read-only; choose another destination")
    if str(folder) not in _SWEPT:  # once per folder and process: a batch does not rescan it
        sweep_parts(folder)
        _SWEPT.add(str(folder))


def check_room(folder: Path, needed: int) -> None:
    """Refuse before writing when the disk cannot hold the copy (and its temporary twin)."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < needed + HEADROOM:
        raise TransferError(
            folder,
            f"not enough free space: the transfer needs "
            f"{needed / 1e6:.1f} MB, the disk has {free / 1e6:.1f} MB",
        )


def temp_path(folder: Path, name: str, tag: str = "") -> Path:
    """A short hidden name (a final name may be at the file system's limit already)."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()
    return folder / f".{digest}{tag}.{os.getpid()}{PART}"


def sweep_parts(folder: Path, older_than: float = STALE_SECONDS) -> None:
    """Temporary files a killed transfer left: its process is gone (the name carries its
    pid), or, where that cannot be asked (Windows), an hour has passed."""
    cutoff = time.time() - older_than
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.endswith(PART) and _abandoned(entry, cutoff):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _abandoned(entry: os.DirEntry, cutoff: float) -> bool:
    if entry.stat().st_mtime < cutoff:
        return True
    pid = entry.name[: -len(PART)].rsplit(".", 1)[-1]
    if os.name == "nt" or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # someone else's process: alive
        return False
    return False


@contextlib.contextmanager
def temporaries(folder: Path) -> Iterator[list[Path]]:
    """Collects the temporary files made inside the block and removes them however it ends
    (a published one is gone already)."""
    made: list[Path] = []
    try:
        yield made
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


Identity = tuple[str, int, int]  # a published file: (path, size, mtime_ns)
Ready = Callable[[list[Identity]], None]


def publish_all(pairs: list[tuple[Path, Path]], ready: Ready | None) -> None:
    """Make every finished temporary durable, tell `ready` what will be published (so it is
    on record before it exists: a kill right after leaves no copy the record does not know),
    then give each its final name. The name change keeps size and modification time."""
    for temp, _final in pairs:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    if ready is not None:
        ready([(str(final), *_identity(temp)) for temp, final in pairs])
    for temp, final in pairs:
        publish(temp, final)


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def publish(temp: Path, final: Path) -> None:
    """Give a finished, synced temporary file its name (never over another)."""
    try:
        move_no_replace(str(temp), str(final))
    except FileExistsError as exc:
        raise TransferError(final, "a file of that name appeared meanwhile; not replaced") from exc
    fsync_dir(final.parent)


def reason(exc: BaseException) -> str:
    """A full disk and a read-only folder in words; anything else as the system says it."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if code == errno.EFBIG:
        return "the file grew past what the disk or this process may write (file size limit)"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "the destination is read-only"
    text = getattr(exc, "strerror", None) or str(exc)
    if "No space left" in text:
        return "the disk is full"
    return text


def write_failure(folder: Path, needed: int, exc: BaseException) -> str:
    """Why writing the copy failed, in words. libsndfile reports every failed write as
    "System error.", so the cause is looked for here: the disk's free space, then the
    process's file-size limit, then what was said."""
    direct = reason(exc)
    if direct != str(exc):
        return direct
    with contextlib.suppress(OSError):
        if shutil.disk_usage(folder).free < needed + HEADROOM:
            return "the disk is full"
    if _size_limit() < needed:
        return "the file grew past what this process may write (file size limit)"
    return f"the copy could not be written ({direct.rstrip('.')})"


def _size_limit() -> float:
    try:
        import resource  # POSIX only
    except ImportError:
        return float("inf")
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return float("inf") if soft == resource.RLIM_INFINITY else float(soft)
