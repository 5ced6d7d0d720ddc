"""Undo a write batch: put every file back, byte for byte, name and modification time too.

An undo never replaces bytes it did not write: it recognises the file SoundSeek wrote by its
content (the sha256 the journal recorded; journals of format 1 by size and time), finds it
under its new name or its old one, and leaves alone, with the reason, a file someone changed
since. If a rename is undone and the old name now holds another file (the user saved a new
`take1.wav`), both are kept: the restored file gets a numbered name (`take1 (2).wav`) and the
result says so.

Nothing is trusted unchecked: the saved bytes must match their checksum, the restored copy
must hash to the original (format 1: its audio must be found where it was) before it
replaces anything; a damaged journal entry is refused with the reason. A file with other hard
links (made since the write) is left alone, as a write would: a replace would split them.

An undo is as crash-safe as a write: it records its progress per file (see `journal`), so
after a kill at any moment the next `undo` finishes this batch, every file restored exactly
once, and only then goes on to older batches. One file that cannot be restored never stops
the others: each failure is reported, and the batch stays open for another try only when a
try could succeed (an OSError: permissions, a full disk).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from soundseek.errors import JournalError
from soundseek.files.durable import fsync_dir, move_no_replace
from soundseek.files.riff import RiffError
from soundseek.metadata.riffedit import copy_span
from soundseek.writing.journal import (
    Batch,
    Entry,
    UndoLog,
    UndoMark,
    batches,
    mark_undone,
    sha256_file,
)
from soundseek.writing.safefile import TEMP_SUFFIX, audio_bytes, temp_name


@dataclass(frozen=True)
class Undone:
    path: str
    restored: bool
    reason: str = ""  # why not, when not restored; a note (a numbered name) when restored
    was: str = ""  # the name SoundSeek had given it, when the write renamed it


class _Left(Exception):
    """This file is not restored, for good (a retry would not change that)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


# -- what a path holds ------------------------------------------------------------------------
ORIGINAL, WRITTEN, OTHER, MISSING = "original", "written", "other", "missing"


def state(entry: Entry, mark: UndoMark, path: str) -> str:
    """Whether `path` holds the original, the file SoundSeek wrote, something else, or
    nothing. By content where the journal has hashes (format 2, or a restored copy)."""
    now = _stat(path)
    if now is None:
        return MISSING
    digest = sha256_file(path) if (entry.sha256 or mark.ready_sha256) else ""
    if digest and digest in (entry.sha256, mark.ready_sha256):
        return ORIGINAL
    if entry.sha256:  # format 2
        return WRITTEN if entry.new_sha256 and digest == entry.new_sha256 else OTHER
    if now == (entry.size, entry.mtime_ns):
        return ORIGINAL
    if entry.done:
        return WRITTEN if now == (entry.new_size, entry.new_mtime_ns) else OTHER
    return WRITTEN  # format 1, killed between ready and done: the splice's hash decides


# -- one file ---------------------------------------------------------------------------------
def _numbered(path: str) -> str:
    """`take1 (2).wav`, the first free one (never over another file)."""
    stem, ext = os.path.splitext(path)
    for i in range(2, 10_000):
        candidate = f"{stem} ({i}){ext}"
        if not os.path.lexists(candidate):
            return candidate
    raise _Left("no free numbered name to restore it under")


def _collapse(entry: Entry, mark: UndoMark) -> None:
    """Two names for one file (a kill between link and unlink, by the write or an undo):
    the written name goes."""
    if entry.new_path == entry.path:
        return
    for name in (entry.path, mark.name):
        if name and _same_file(name, entry.new_path):
            os.unlink(entry.new_path)
            fsync_dir(Path(entry.new_path).parent)
            return


def _find(entry: Entry, mark: UndoMark) -> tuple[str, str]:
    """(where the file SoundSeek wrote, or restored, is; what it holds)."""
    names = [n for n in dict.fromkeys([mark.name, entry.new_path, entry.path]) if n]
    states = {n: state(entry, mark, n) for n in names}
    for want in (WRITTEN, ORIGINAL):
        for name in names:
            if states[name] == want:
                return name, want
    if OTHER in states.values():
        raise _Left("changed since SoundSeek wrote it; left as it is")
    raise _Left("it is gone (moved or deleted since SoundSeek wrote it)")


def _target(entry: Entry, mark: UndoMark, where: str, log: UndoLog) -> str:
    """The name to restore it under: its own, or a numbered one if that now holds another
    file (recorded before it is taken, so a retry after a kill takes the same one)."""
    if mark.name:
        return mark.name
    if where == entry.path or not os.path.lexists(entry.path):
        return entry.path
    name = _numbered(entry.path)
    log.add("name", entry.n, path=name)
    mark.name = name
    return name


def undo_entry(batch: Batch, entry: Entry, log: UndoLog) -> Undone:
    mark = batch.mark(entry.n)
    _remove(entry.temp)
    for folder in {os.path.dirname(entry.path), os.path.dirname(entry.new_path)}:
        _remove(_undo_temp(batch, entry, folder))
    _remove_legacy_temp(batch, entry)
    _collapse(entry, mark)
    where, what = _find(entry, mark)
    if what == ORIGINAL and where == entry.path and not mark.ready_sha256:
        return Undone(entry.path, False, "never replaced (the batch stopped before it)")
    if what == WRITTEN:
        _restore(batch, entry, where, log)
    else:  # restored by an undo that was stopped before it finished
        os.utime(where, ns=(entry.atime_ns, entry.mtime_ns))
    target = _target(entry, mark, where, log)
    if target != where:
        move_no_replace(where, target)
    was = entry.new_path if entry.new_path != entry.path else ""
    if target != entry.path:
        note = (f"{os.path.basename(entry.path)} is another file now; kept both: restored "
                f"as {os.path.basename(target)}")  # fmt: skip
        return Undone(target, True, note, was=was)
    if entry.link:  # written through a symbolic link: the library knows the link
        return Undone(entry.link, True, f"restored its target {entry.path}")
    return Undone(target, True, "", was=was)


def _remove_legacy_temp(batch: Batch, entry: Entry) -> None:
    """What an undo before journal format 2 left when it was killed mid-copy (its name
    could pass the file system's limit: then there is nothing to remove)."""
    for where in {entry.path, entry.new_path}:
        folder, name = os.path.split(where)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, f".{name}.{batch.id}-undo{TEMP_SUFFIX}"))


def _undo_temp(batch: Batch, entry: Entry, folder: str) -> str:
    return temp_name(os.path.join(folder, "x"), batch.id, entry.n, "-undo")


def _restore(batch: Batch, entry: Entry, where: str, log: UndoLog) -> None:
    """Put the original's bytes under `where`, proven first, then its times."""
    if os.stat(where).st_nlink > 1:
        raise _Left("it has other hard links now; restoring it would split them, so it is "
                    "left as it is")  # fmt: skip
    temp = _undo_temp(batch, entry, os.path.dirname(where))
    try:
        digest = _build(batch, entry, where, temp)
        shutil.copymode(where, temp)
        log.add("ready", entry.n, sha256=digest)
        batch.mark(entry.n).ready_sha256 = digest
        os.replace(temp, where)
    finally:
        _remove(temp)
    fsync_dir(Path(where).parent)
    os.utime(where, ns=(entry.atime_ns, entry.mtime_ns))


def _build(batch: Batch, entry: Entry, where: str, temp: str) -> str:
    """The original, fsync'd in `temp` and checked; returns its sha256."""
    keep = batch.keep_path(entry)
    if entry.keep_sha256 and sha256_file(keep) != entry.keep_sha256:
        raise _Left("its saved original in the journal is damaged (checksum mismatch); "
                    "left as it is")  # fmt: skip
    if entry.span is None:
        shutil.copyfile(keep, temp)
    else:
        _splice(keep, entry, where, temp)
    with open(temp, "rb+") as fh:
        os.fsync(fh.fileno())
    digest = sha256_file(temp)
    if entry.sha256 and digest != entry.sha256:
        raise _Left("the journal's data does not rebuild the original (damaged journal); "
                    "left as it is")  # fmt: skip
    if not entry.sha256:
        _check_legacy(entry, temp)
    return digest


def _check_legacy(entry: Entry, temp: str) -> None:
    """A format 1 journal has no checksum: the rebuilt file must at least be the original's
    size with its audio where it was (damaged saved bytes fail to parse)."""
    try:
        ok = os.path.getsize(temp) == entry.size and (
            entry.span is None or audio_bytes(temp) == tuple(entry.span)
        )
    except (OSError, RiffError, ValueError):
        ok = False
    if not ok:
        raise _Left("the journal's saved bytes do not rebuild a readable original (damaged "
                    "journal); left as it is")  # fmt: skip


def _splice(keep: Path, entry: Entry, where: str, temp: str) -> None:
    """The original = its saved head + the audio bytes still in the file + its saved tail."""
    offset, size = entry.span
    kept = keep.read_bytes()
    try:
        now = audio_bytes(where)
    except (RiffError, ValueError):
        now = None
    if now is None or now[1] != size:
        raise _Left("its audio data is not what SoundSeek wrote; left as it is")
    with open(where, "rb") as src, open(temp, "xb") as dst:
        dst.write(kept[:offset])
        digest = copy_span(src, now[0], size, dst)
        dst.write(kept[offset:])
    if digest != entry.span_digest:
        raise _Left("its audio data changed since SoundSeek wrote it; left as it is")


# -- a batch ----------------------------------------------------------------------------------
def _outcome(end: dict) -> Undone:
    return Undone(end["path"], bool(end.get("restored")), str(end.get("reason", "")),
                  str(end.get("was", "")))  # fmt: skip


def _one(batch: Batch, entry: Entry, log: UndoLog) -> tuple[Undone, bool]:
    """(what happened, whether it is settled for good)."""
    mark = batch.mark(entry.n)
    if mark.end is not None:  # done by an undo that was stopped before it marked the batch
        return _outcome(mark.end), True
    if not entry.ready:
        _remove(entry.temp)
        return Undone(entry.path, False, "never written (the batch stopped before it)"), True
    try:
        if not mark.begun:
            log.add("begin", entry.n)
            mark.begun = True
        result = undo_entry(batch, entry, log)
    except _Left as exc:
        result = Undone(entry.new_path if entry.renamed else entry.path, False, exc.reason)
    except (OSError, RiffError) as exc:
        reason = f"could not be restored ({_why(exc)}); run undo again to retry"
        return Undone(entry.path, False, reason), False
    log.add("end", entry.n, path=result.path, restored=result.restored, reason=result.reason,
            was=result.was)  # fmt: skip
    return result, True


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full"
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)


def undo_batch(batch: Batch) -> Iterator[Undone]:
    """Undo each file, newest first, yielding what happened (skipped journal lines first).
    The batch is marked undone, and its saved bytes freed, once every file is settled."""
    for problem in batch.problems:
        yield Undone(str(batch.folder), False, problem)
    try:
        log = UndoLog(batch)
    except OSError as exc:
        raise JournalError(f"cannot record the undo in {batch.folder} ({_why(exc)})") from exc
    settled = True
    try:
        for entry in reversed(batch.entries):
            if entry.dropped:
                continue
            try:
                result, final = _one(batch, entry, log)
            except OSError as exc:  # the progress line itself could not be written
                reason = f"could not be restored ({_why(exc)}); run undo again to retry"
                result, final = Undone(entry.path, False, reason), False
            settled = settled and final
            yield result
    finally:
        log.close()
    if settled:
        _finish(batch)


def _finish(batch: Batch) -> None:
    try:
        mark_undone(batch)
    except OSError as exc:
        raise JournalError(f"cannot mark batch {batch.id} undone ({_why(exc)})") from exc
    shutil.rmtree(batch.folder / "keep", ignore_errors=True)


def last_batch(journal_root: Path) -> Batch | None:
    return next((b for b in batches(journal_root) if not b.undone and b.entries), None)


def undo_last(journal_root: Path) -> tuple[str, list[Undone]]:
    """Undo the newest batch not yet undone: (its id, what happened to each file). The
    caller holds the writer lock."""
    batch = last_batch(journal_root)
    if batch is None:
        return "", []
    return batch.id, list(undo_batch(batch))
