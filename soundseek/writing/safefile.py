"""Write one file: journal first, then a temporary copy beside it, fsync, verify, replace.

At every instant the file's path holds either the original or the verified new file: the
temporary copy has its own short hidden name (`.<batch hash>-<n>.soundseek-tmp`, whatever the
length of the file's own name) and becomes the file only through an atomic rename.

Right before that rename the file must still be what SoundSeek read: the same inode, size,
modification time and sha256. If another program saved it meanwhile (an atomic replace, or
an overwrite in place), the copy is dropped and the file is left as the other program made
it ("changed while SoundSeek was writing it").

Links: a symbolic link is written through: its target (wherever it is) is rewritten safely,
the link stays a link with its own name (a `--rename` renames neither). A file with more than
one hard link is refused: an atomic replace would split it into separate files, and writing
in place cannot be made safe against a kill.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from soundseek.errors import WriteRefused
from soundseek.files.durable import fsync_dir, move_no_replace
from soundseek.files.fingerprint import audio_span
from soundseek.files.riff import RiffError
from soundseek.metadata.fields import MetadataChange
from soundseek.metadata.riffedit import rewrite_wave
from soundseek.metadata.tagedit import TagWriteError, open_writable, write_tags
from soundseek.writing.journal import HASH_BLOCK, Entry, JournalWriter, sha256_file
from soundseek.writing.verify import verify_tagged, verify_wave

TEMP_SUFFIX = ".soundseek-tmp"
WAVE_FORMS = (b"RIFF", b"RF64", b"BW64")
LINK_NOTE = "a symbolic link: its target was written; the link keeps its name"


@dataclass(frozen=True)
class Written:
    path: str  # where the file is now (renamed or not), as the caller named it
    format: str
    note: str = ""


def is_wave(path: str) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head[:4] in WAVE_FORMS and head[8:12] == b"WAVE"


def temp_name(path: str, batch_id: str, n: int = 0, tag: str = "") -> str:
    """A short hidden name beside `path`, unique to the batch and entry: it fits however
    long the file's own name is (names may use all 255 bytes)."""
    folder = os.path.dirname(path)
    key = hashlib.blake2b(batch_id.encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()
    return os.path.join(folder, f".{key}-{n}{tag}{TEMP_SUFFIX}")


def check_writable(path: str) -> os.stat_result:
    """Refuse, with the reason, what cannot be replaced safely (even as root)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise WriteRefused(path, f"it cannot be opened ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused(path, "it is not a regular file")
    if st.st_nlink > 1:
        why = f"it has {st.st_nlink} hard links; replacing it would split them into separate "
        raise WriteRefused(path, why + "files, so SoundSeek leaves it alone")
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteRefused(path, "it is read-only; SoundSeek leaves read-only files alone")
    if not os.access(path, os.W_OK) or not os.access(os.path.dirname(path) or ".", os.W_OK):
        raise WriteRefused(path, "SoundSeek may not write it or its folder (permissions)")
    return st


def audio_bytes(path: str) -> tuple[int, int] | None:
    """(offset, size) of the audio bytes a metadata write leaves exactly as they are: a WAVE
    data chunk, AIFF sound data, FLAC frames, MP3 frames. None for Ogg (a comment edit
    renumbers every page) and formats without a payload parser."""
    with open(path, "rb") as fh:
        span = audio_span(fh, os.fstat(fh.fileno()).st_size, os.path.splitext(path)[1])
    return None if span is None or span.ogg else (span.start, span.end - span.start)


def _copy(src, dst, size: int, into: list) -> None:
    """Copy (dst None: only read) `size` bytes, feeding each hash in `into`."""
    left = size
    while left:
        block = src.read(min(HASH_BLOCK, left))
        if not block:
            raise RiffError("the file ended while it was being read")
        for h in into:
            h.update(block)
        if dst is not None:
            dst.write(block)
        left -= len(block)


def keep_original(path: str, entry: Entry, dest: Path) -> None:
    """Save what an undo needs into `dest` (all but the audio bytes where they can be found
    again in the written file, else the whole file: Ogg), with the hashes the journal keeps:
    of the whole original, of the saved bytes and of the audio left out. One read."""
    span = audio_bytes(path)
    whole, kept, audio = hashlib.sha256(), hashlib.sha256(), hashlib.blake2b(digest_size=16)
    size = entry.size
    offset, length = span if span is not None else (size, 0)
    with open(path, "rb") as src, open(dest, "xb") as dst:
        _copy(src, dst, offset, [whole, kept])
        _copy(src, None, length, [whole, audio])
        _copy(src, dst, size - offset - length, [whole, kept])
        if src.read(1):
            raise RiffError("the file grew while it was being read")
        dst.flush()
        os.fsync(dst.fileno())
    entry.span, entry.sha256, entry.keep_sha256 = span, whole.hexdigest(), kept.hexdigest()
    entry.span_digest = audio.hexdigest() if span is not None else ""


def resolve(path: str) -> str:
    """The file a path names: a symbolic link's target (written in its place)."""
    return os.path.realpath(path) if os.path.islink(path) else path


def write_file(
    path: str, change: MetadataChange, journal: JournalWriter, n: int, new_path: str = ""
) -> Written:
    """Write `change` into the file at `path` (and rename it to `new_path`, if given)."""
    real = resolve(path)
    note = LINK_NOTE if real != path else ""
    if note or new_path == path:
        new_path = ""
    st = check_writable(real)
    wave = is_wave(real)
    batch = journal.batch
    entry = Entry(n, real, new_path or real, temp_name(real, batch.id, n), st.st_size,
                  st.st_mtime_ns, st.st_atime_ns, f"{n}.bin", None, ino=st.st_ino,
                  link=path if note else "")  # fmt: skip
    _begin(journal, entry)
    replaced = False
    try:
        fmt, digest = _write_temp(real, entry.temp, change, wave)
        entry.span_digest = digest or entry.span_digest
        entry.new_sha256 = sha256_file(entry.temp)
        _journal(journal.ready, entry)
        check_unchanged(entry)
        replaced = _replace(entry)
    finally:
        if not replaced:
            with contextlib.suppress(OSError):
                os.unlink(entry.temp)
            if entry in batch.entries:
                journal.dropped(entry)
    journal.done(entry)
    if new_path:
        _rename(real, new_path)
        journal.renamed(entry)
    return Written(new_path or path, fmt, note)


def _begin(journal: JournalWriter, entry: Entry) -> None:
    """Save the original and record it; on any failure nothing of it stays in the journal."""
    keep = journal.batch.keep_path(entry)
    try:
        keep_original(entry.path, entry, keep)
        journal.begin(entry)
    except (RiffError, OSError) as exc:
        with contextlib.suppress(OSError):
            keep.unlink()
        raise WriteRefused(entry.path, _reason(exc, journal=True)) from exc


def _journal(step, entry: Entry) -> None:
    try:
        step(entry)
    except OSError as exc:
        raise WriteRefused(entry.path, _reason(exc, journal=True)) from exc


def _reason(exc: BaseException, journal: bool = False) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            where = "SoundSeek's journal" if journal else "the file"
            return f"the disk holding {where} is full; nothing was written"
        return f"it could not be read or written ({exc.strerror or exc})"
    return str(exc)


def _identity(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def check_unchanged(entry: Entry) -> None:
    """Refuse if the file is no longer what SoundSeek read (another program saved it)."""
    want = (entry.ino, entry.size, entry.mtime_ns)
    try:
        same = _identity(entry.path) == want and sha256_file(entry.path) == entry.sha256
        same = same and _identity(entry.path) == want  # nothing saved while it was hashed
    except OSError:
        same = False
    if not same:
        raise WriteRefused(entry.path, "it changed while SoundSeek was writing it (another "
                                       "program saved it); left as it is")  # fmt: skip


def _write_temp(path: str, temp: str, change: MetadataChange, wave: bool) -> tuple[str, str]:
    """The verified, fsync'd copy; returns (format name, hash of its audio data or "")."""
    try:
        if wave:
            with open(path, "rb") as src, open(temp, "xb") as dst:
                done = rewrite_wave(src, dst, change)
                dst.flush()
                os.fsync(dst.fileno())
            shutil.copymode(path, temp)
            verify_wave(path, temp, change, done)
            return "WAVE", done.data_digest
        open_writable(path)  # refuse an unsupported format before copying it
        shutil.copyfile(path, temp)
        fmt = write_tags(temp, change)
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        verify_tagged(path, temp, change)
        return fmt, ""
    except (RiffError, TagWriteError, OSError, UnicodeError) as exc:  # one file, not the batch
        raise WriteRefused(path, _reason(exc)) from exc


def _replace(entry: Entry) -> bool:
    try:
        os.replace(entry.temp, entry.path)
    except OSError as exc:  # Windows: another program holds the file open
        raise WriteRefused(entry.path, f"it is locked by another program ({exc.strerror})") from exc
    with contextlib.suppress(OSError):
        fsync_dir(Path(entry.path).parent)
        st = os.stat(entry.path)
        entry.new_size, entry.new_mtime_ns = st.st_size, st.st_mtime_ns
    return True


def _rename(path: str, new_path: str) -> None:
    try:
        move_no_replace(path, new_path)
    except FileExistsError as exc:
        taken = os.path.basename(new_path)
        raise WriteRefused(path, f"{taken} already exists; not renamed") from exc
    except OSError as exc:
        raise WriteRefused(path, f"written, but not renamed ({exc.strerror or exc})") from exc
