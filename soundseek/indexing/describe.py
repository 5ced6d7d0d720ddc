"""Turn what the scanner found and the metadata reader said into a file record."""

from __future__ import annotations

import os

from soundseek.errors import UnreadableFile
from soundseek.files.fingerprint import content_hash
from soundseek.files.scanner import ScannedFile
from soundseek.index.records import FileRecord, FileStatus
from soundseek.metadata.reader import FileMeta, read_metadata
from soundseek.metadata.text import words
from soundseek.metadata.ucs import UcsCatalog

_META_FIELDS = (
    "duration", "samplerate", "channels", "bit_depth", "format", "subtype", "catid", "category",
    "subcategory", "fx_name", "description", "keywords", "library", "designer", "originator",
    "origination_date", "warning",
)  # fmt: skip


def describe(found: ScannedFile, catalog: UcsCatalog) -> FileRecord:
    """Metadata + fingerprint of a readable file (PENDING: it waits for vectors), or why it
    cannot be read."""
    try:
        meta = read_metadata(found.path, catalog)
        digest = content_hash(found.path)
    except UnreadableFile as exc:
        return error_record(found, exc.reason)
    except OSError as exc:
        return error_record(found, exc.strerror or str(exc))
    return meta_record(meta, found, digest, FileStatus.PENDING, 0)


def meta_record(
    meta: FileMeta, found: ScannedFile, digest: str, status: FileStatus, n_windows: int
) -> FileRecord:
    """A readable file: PENDING until its windows are stored."""
    return FileRecord(
        root_id=found.root_id,
        relpath=found.relpath,
        size=found.size,
        mtime_ns=found.mtime_ns,
        status=status,
        content_hash=digest,
        n_windows=n_windows,
        text=meta.search_text(),
        **{f: getattr(meta, f) for f in _META_FIELDS},
    )


def error_record(found: ScannedFile, reason: str) -> FileRecord:
    """Why a file could not be read; retried only once its size or mtime change."""
    stem = os.path.splitext(os.path.basename(found.path))[0]
    return FileRecord(
        root_id=found.root_id,
        relpath=found.relpath,
        size=found.size,
        mtime_ns=found.mtime_ns,
        status=FileStatus.ERROR,
        error=reason,
        text=" ".join(words(stem)),
    )
