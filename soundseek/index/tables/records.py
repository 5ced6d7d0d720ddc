"""Typed records of what the index holds: one per file, per stored window, per window match."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from soundseek.files.roots import Root
from soundseek.metadata.fields import FileFields


class FileStatus(str, Enum):
    """Where a file stands: described and waiting for the model, embedded, or unreadable."""

    PENDING = "pending"
    INDEXED = "indexed"
    ERROR = "error"


@dataclass(frozen=True, order=True)
class FileKey:
    """A file's identity in the index: its library folder and its path inside it."""

    root_id: str
    relpath: str


@dataclass(frozen=True)
class FileState:
    """Just enough to tell whether a file changed on disk since it was described."""

    size: int
    mtime_ns: int
    status: FileStatus
    content_hash: str


@dataclass
class IndexEntry:
    """A file's key and where it stands in the index: the leading fields of a FileRecord."""

    root_id: str
    relpath: str
    size: int = 0
    mtime_ns: int = 0
    status: FileStatus = FileStatus.PENDING
    content_hash: str = ""
    error: str = ""
    n_windows: int = 0


@dataclass
class FileRecord(FileFields, IndexEntry):
    """Everything the index knows about one file. Its `root` is attached on read (not stored):
    `path` follows the folder wherever it is mounted, so a moved library rewrites no row.

    Its fields, in this order (the word index stores records positionally, tables.schema
    makes the files table's columns from them): IndexEntry's, the metadata of FileFields
    (metadata.fields: the base listed first comes last), then the search text and the root."""

    text: str = ""
    root: Root | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> FileKey:
        return FileKey(self.root_id, self.relpath)

    @property
    def path(self) -> str:
        """The absolute path on this machine ('' when the root is not known here)."""
        return self.root.local_path(self.relpath) if self.root is not None else ""

    @property
    def root_name(self) -> str:
        return self.root.name if self.root is not None else ""

    @property
    def filename(self) -> str:
        return self.relpath.rpartition("/")[2]

    @property
    def ext(self) -> str:
        return os.path.splitext(self.filename)[1].lower().lstrip(".")

    @property
    def reldir(self) -> str:
        return self.relpath.rpartition("/")[0]

    @property
    def folder(self) -> str:
        """The absolute folder on this machine."""
        return os.path.dirname(self.path)

    @property
    def libfolder(self) -> str:
        """The folder as the user sees it in the library: root name, then the path inside it."""
        return "/".join(p for p in (self.root_name, self.reldir) if p)


@dataclass(frozen=True)
class StoredWindow:
    """One embedded 10 s window of a file's audio."""

    idx: int
    start: float
    end: float
    vector: np.ndarray


@dataclass(frozen=True)
class WindowMatch:
    """A window found by a vector query, with its cosine similarity to the query."""

    content_hash: str
    start: float
    end: float
    sim: float


@dataclass(frozen=True)
class RootCounts:
    """How many files of one library folder are in each state."""

    files: int = 0
    indexed: int = 0
    pending: int = 0
    errors: int = 0
