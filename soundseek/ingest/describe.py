"""Turn what the scanner found and the metadata reader said into a file record."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time

from soundseek.errors import UnreadableFile
from soundseek.files import names
from soundseek.files.fingerprint import content_hash
from soundseek.files.scanner import ScannedFile
from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.metadata.fields import stored_values
from soundseek.metadata.reader import FileMeta, read_metadata
from soundseek.metadata.text import words
from soundseek.metadata.ucs import UcsCatalog, load_catalog
from soundseek.paths import shown

log = logging.getLogger(__name__)


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
    except Exception as exc:  # a reader's bug on one odd file: that file, never the whole run
        log.exception("reading %s failed", shown(found.path))
        return error_record(found, f"SoundSeek could not read it ({type(exc).__name__}: {exc})")
    return meta_record(meta, found, digest, FileStatus.PENDING, 0)


def _where(found: ScannedFile) -> dict:
    """The scanned file's key and the stat that says whether it changed since."""
    return {"root_id": found.root_id, "relpath": found.relpath, "size": found.size,
            "mtime_ns": found.mtime_ns}  # fmt: skip


def meta_record(
    meta: FileMeta, found: ScannedFile, digest: str, status: FileStatus, n_windows: int
) -> FileRecord:
    """A readable file: PENDING until its windows are stored."""
    return storable(
        FileRecord(
            **_where(found),
            status=status,
            content_hash=digest,
            n_windows=n_windows,
            text=meta.search_text(),
            **stored_values(meta),
        )
    )


def error_record(found: ScannedFile, reason: str) -> FileRecord:
    """Why a file could not be read; retried only once its size or mtime change."""
    stem = names.readable(os.path.splitext(os.path.basename(found.path))[0])
    return storable(
        FileRecord(
            **_where(found),
            status=FileStatus.ERROR,
            error=reason,
            text=" ".join(words(stem)),
        )
    )


def storable(record: FileRecord) -> FileRecord:
    """The record with every text made valid UTF-8 (LanceDB and SQLite refuse anything else):
    a reason or a tag that quotes a file name that is not UTF-8 keeps it, escaped."""
    bad = {
        f.name: names.encode(v)
        for f in dataclasses.fields(record)
        if isinstance(v := getattr(record, f.name), str) and not names.is_utf8(v)
    }
    return dataclasses.replace(record, **bad) if bad else record


# -- in a metadata worker process ----------------------------------------------------------


def exit_with_parent(parent: int) -> None:
    """Pool initializer. A pool worker holds both ends of its result pipe, so when the indexer
    is killed it would block forever writing a result nobody reads (seen after a SIGKILL).
    It watches for its parent instead and leaves with it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def describe_chunk(files: list[ScannedFile]) -> list[FileRecord]:
    """A metadata worker's task. It lives here, not beside the pool, so that a spawned
    worker imports the metadata readers only (0.2 s) and never LanceDB (a second, 150 MB)."""
    catalog = load_catalog()
    return [describe(f, catalog) for f in files]
