"""Build files-table rows from what the scanner and metadata reader found."""

from __future__ import annotations

import os

from soundseek.core.metadata import FileMeta
from soundseek.core.scanner import ScannedFile
from soundseek.core.ucs import words


def library_folder(path: str, root: str) -> str:
    """The folder as the user sees it inside the library: root name plus relative path."""
    rel = os.path.relpath(os.path.dirname(path), root)
    name = os.path.basename(root.rstrip(os.sep)) or root
    return name if rel == "." else os.path.join(name, rel)


def meta_row(
    meta: FileMeta, found: ScannedFile, digest: str, status: str, n_windows: int, root: str
) -> dict:
    """A complete row for a readable file; `status` is 'pending' until its windows are stored."""
    return {
        "libfolder": library_folder(found.path, root),
        "path": found.path,
        "size": found.size,
        "mtime_ns": found.mtime_ns,
        "duration": meta.duration,
        "samplerate": meta.samplerate,
        "channels": meta.channels,
        "bit_depth": meta.bit_depth,
        "n_windows": n_windows,
        "filename": meta.filename,
        "folder": meta.folder,
        "ext": meta.ext,
        "format": meta.format,
        "subtype": meta.subtype,
        "catid": meta.catid,
        "category": meta.category,
        "subcategory": meta.subcategory,
        "fx_name": meta.fx_name,
        "description": meta.description,
        "keywords": meta.keywords,
        "library": meta.library,
        "designer": meta.designer,
        "originator": meta.originator,
        "origination_date": meta.origination_date,
        "warning": meta.warning,
        "text": meta.search_text(),
        "status": status,
        "error": "",
        "content_hash": digest,
    }


def error_row(found: ScannedFile, reason: str, root: str) -> dict:
    """A row recording why a file could not be read; retried only once size or mtime change."""
    name = os.path.basename(found.path)
    return {
        "libfolder": library_folder(found.path, root),
        "path": found.path,
        "size": found.size,
        "mtime_ns": found.mtime_ns,
        "filename": name,
        "folder": os.path.dirname(found.path),
        "ext": os.path.splitext(name)[1].lower().lstrip("."),
        "text": " ".join(words(os.path.splitext(name)[0])),
        "status": "error",
        "error": reason,
        "content_hash": "",
        "n_windows": 0,
    }
