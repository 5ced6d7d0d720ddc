"""Write one file: journal first, then a temporary copy beside it, fsync, verify, replace.

At every instant the file's path holds either the original or the verified new file: the
temporary copy has its own hidden name and becomes the file only through an atomic rename.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from soundseek.errors import WriteRefused
from soundseek.files.fingerprint import audio_span
from soundseek.metadata.fields import MetadataChange
from soundseek.metadata.riff import RiffError
from soundseek.metadata.riffedit import copy_span, rewrite_wave
from soundseek.metadata.tagedit import TagWriteError, open_writable, write_tags
from soundseek.writing.journal import Entry, JournalWriter, fsync_dir
from soundseek.writing.verify import verify_tagged, verify_wave

TEMP_SUFFIX = ".soundseek-tmp"
WAVE_FORMS = (b"RIFF", b"RF64", b"BW64")


@dataclass(frozen=True)
class Written:
    path: str  # where the file is now (renamed or not)
    format: str


def is_wave(path: str) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head[:4] in WAVE_FORMS and head[8:12] == b"WAVE"


def temp_name(path: str, batch_id: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.{batch_id}{TEMP_SUFFIX}")


def check_writable(path: str) -> os.stat_result:
    """Refuse, with the reason, what cannot be replaced safely (even as root)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise WriteRefused(path, f"it cannot be opened ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused(path, "it is not a regular file")
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


def _keep(path: str, dest: Path, wave: bool) -> tuple[tuple[int, int] | None, str]:
    """Save what an undo needs, and the hash of what it leaves out: all but the audio bytes
    where they can be found again in the written file, else the whole file (Ogg)."""
    span = audio_bytes(path)
    digest = ""
    if span is None:
        shutil.copyfile(path, dest)
    else:
        offset, size = span
        with open(path, "rb") as fh:
            head = fh.read(offset)
            fh.seek(offset + size)
            dest.write_bytes(head + fh.read())
            if not wave:  # a WAVE rewrite hashes its audio on the way anyway
                digest = copy_span(fh, offset, size)
    with open(dest, "rb+") as fh:
        os.fsync(fh.fileno())
    return span, digest


def write_file(
    path: str, change: MetadataChange, journal: JournalWriter, n: int, new_path: str = ""
) -> Written:
    """Write `change` into the file at `path` (and rename it to `new_path`, if given)."""
    st = check_writable(path)
    wave = is_wave(path)
    batch = journal.batch
    entry = Entry(n, path, new_path or path, temp_name(path, batch.id), st.st_size,
                  st.st_mtime_ns, st.st_atime_ns, f"{n}.bin", None)  # fmt: skip
    try:
        entry.span, entry.span_digest = _keep(path, batch.keep_path(entry), wave)
    except (RiffError, OSError) as exc:
        raise WriteRefused(path, _reason(exc)) from exc
    journal.begin(entry)
    try:
        fmt, digest = _write_temp(path, entry.temp, change, wave)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(entry.temp)
        raise
    entry.span_digest = digest or entry.span_digest
    journal.ready(entry)
    _replace(entry)
    journal.done(entry)
    if new_path and new_path != path:
        _rename(path, new_path)
        journal.renamed(entry)
    return Written(new_path or path, fmt)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"it could not be read or written ({exc.strerror or exc})"
    return str(exc)


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
    except (RiffError, TagWriteError, OSError) as exc:
        raise WriteRefused(path, _reason(exc)) from exc


def _replace(entry: Entry) -> None:
    try:
        os.replace(entry.temp, entry.path)
    except OSError as exc:  # Windows: another program holds the file open
        with contextlib.suppress(OSError):
            os.unlink(entry.temp)
        raise WriteRefused(entry.path, f"it is locked by another program ({exc.strerror})") from exc
    fsync_dir(Path(entry.path).parent)
    st = os.stat(entry.path)
    entry.new_size, entry.new_mtime_ns = st.st_size, st.st_mtime_ns


def _rename(path: str, new_path: str) -> None:
    """Never over another file: a hard link fails if the name is taken (where links exist)."""
    try:
        os.link(path, new_path)
    except FileExistsError as exc:
        taken = os.path.basename(new_path)
        raise WriteRefused(path, f"{taken} already exists; not renamed") from exc
    except OSError:  # a file system without hard links (exFAT, some shares)
        if os.path.exists(new_path):
            raise WriteRefused(path, f"{os.path.basename(new_path)} already exists") from None
        os.rename(path, new_path)
    else:
        os.unlink(path)
    fsync_dir(Path(new_path).parent)
