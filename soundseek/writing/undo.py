"""Undo a write batch: put every file back, byte for byte, name and modification time too.

An undo settles what a kill left: a file whose replace never happened is the original already
(its temporary copy is removed); one renamed halfway (two names, one file) loses the new name.
A file changed by someone else since SoundSeek wrote it is left alone and reported.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass

from soundseek.errors import WriteRefused
from soundseek.metadata.riff import RiffError
from soundseek.metadata.riffedit import copy_span
from soundseek.writing.journal import Batch, Entry, mark_undone
from soundseek.writing.safefile import audio_bytes, temp_name


@dataclass(frozen=True)
class Undone:
    path: str
    restored: bool
    reason: str = ""  # why not, when not restored
    was: str = ""  # the name SoundSeek had given it, when the write renamed it


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _where(entry: Entry) -> str:
    """Where the written file is now; finishes nothing, but undoes a rename cut short."""
    if entry.new_path != entry.path and _same_file(entry.path, entry.new_path):
        os.unlink(entry.new_path)  # killed between link and unlink: the old name wins
        return entry.path
    if entry.renamed or (not os.path.exists(entry.path) and os.path.exists(entry.new_path)):
        return entry.new_path
    return entry.path


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def undo_entry(batch: Batch, entry: Entry) -> Undone:
    _remove(entry.temp)
    if not entry.ready:
        return Undone(entry.path, False, "never written (the batch stopped before it)")
    where = _where(entry)
    now = _stat(where)
    if now == (entry.size, entry.mtime_ns) and where == entry.path:
        return Undone(entry.path, False, "never replaced (the batch stopped before it)")
    if entry.done and now != (entry.new_size, entry.new_mtime_ns):
        return Undone(where, False, "changed since SoundSeek wrote it; left as it is")
    _restore(batch, entry, where)
    return Undone(entry.path, True, was=where if where != entry.path else "")


def _restore(batch: Batch, entry: Entry, where: str) -> None:
    temp = temp_name(where, f"{batch.id}-undo")
    try:
        if entry.span is None:
            shutil.copyfile(batch.keep_path(entry), temp)
        else:
            _splice(batch, entry, where, temp)
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        shutil.copymode(where, temp)
        os.replace(temp, where)
    except (OSError, RiffError) as exc:
        _remove(temp)
        raise WriteRefused(where, f"could not be restored ({exc})") from exc
    if where != entry.path:
        os.rename(where, entry.path)
    os.utime(entry.path, ns=(entry.atime_ns, entry.mtime_ns))


def _splice(batch: Batch, entry: Entry, where: str, temp: str) -> None:
    """The original = its saved head + the audio bytes still in the file + its saved tail."""
    offset, size = entry.span
    kept = batch.keep_path(entry).read_bytes()
    now = audio_bytes(where)
    if now is None or now[1] != size:
        raise RiffError("its audio data is not what SoundSeek wrote")
    with open(where, "rb") as src, open(temp, "xb") as dst:
        dst.write(kept[:offset])
        digest = copy_span(src, now[0], size, dst)
        dst.write(kept[offset:])
    if digest != entry.span_digest:
        raise RiffError("its audio data changed since SoundSeek wrote it")


def undo_batch(batch: Batch):
    """Undo each file, newest first, yielding what happened. The batch is marked undone and
    its saved bytes freed only when no restore failed (a failed one can be tried again)."""
    failed = False
    for entry in reversed(batch.entries):
        try:
            yield undo_entry(batch, entry)
        except WriteRefused as exc:
            failed = True
            yield Undone(exc.path, False, exc.reason)
    if not failed:
        mark_undone(batch)
        shutil.rmtree(batch.folder / "keep", ignore_errors=True)
