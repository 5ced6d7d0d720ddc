"""Where an index lives: a local folder (the default) or a prefix on S3-compatible object
storage shared by a team. The Store asks its place for three things only: where LanceDB
connects, its small JSON documents (store info, roots), and the one-writer lock. Everything
else about the index is the same in both places.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from soundseek.errors import StoreLocked
from soundseek.index.places.jsonfile import read_json, stamp, write_json
from soundseek.index.places.lock import WriterLock, short_lock
from soundseek.index.places.objectstore import Lease, S3Json, S3Location, check_conditional_writes

SHARED_READ_CONSISTENCY = timedelta(seconds=5)  # a reader on S3 sees new commits within this
SHARED_DOC_REFRESH = 2.0  # seconds a shared document's ETag is trusted before asking again


class Doc(Protocol):
    """A small JSON document beside the tables; `update` is an atomic read-modify-write."""

    def read(self) -> dict | None: ...

    def stamp(self) -> object: ...

    def update(self, change: Callable[[dict | None], dict]) -> dict: ...


class WriteLock(Protocol):
    lost: threading.Event

    def release(self) -> None: ...


class Place(Protocol):
    uri: str  # what the user set: a folder or s3://bucket/prefix
    shared: bool
    mounts: dict[str, str]  # root id -> where this machine has it (shared places)

    def lance_uri(self) -> str: ...

    def storage_options(self) -> dict[str, str]: ...

    def consistency(self, writable: bool) -> timedelta | None: ...

    def doc(self, name: str) -> Doc: ...

    def writer_lock(self) -> WriteLock: ...

    def size_bytes(self) -> int: ...

    @property
    def cache_dir(self) -> Path: ...  # derived arrays (UCS text vectors), on this machine


# -- a local folder ---------------------------------------------------------------------------
class LocalDoc:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_suffix(".lock")

    def read(self) -> dict | None:
        return read_json(self.path)

    def stamp(self) -> object:
        return stamp(self.path)

    def update(self, change: Callable[[dict | None], dict]) -> dict:
        with short_lock(self._lock_path):
            new = change(read_json(self.path))
            write_json(self.path, new)
        return new


class _LocalLock:
    """The OS lock, freed by the OS when the holder dies; it is never lost while held."""

    def __init__(self, path: Path) -> None:
        self.lost = threading.Event()
        self._lock = WriterLock(path).acquire()

    def release(self) -> None:
        self._lock.release()


class LocalPlace:
    shared = False

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.uri = str(self.dir)
        self.mounts: dict[str, str] = {}
        self.dir.mkdir(parents=True, exist_ok=True)

    def lance_uri(self) -> str:
        return str(self.dir / "lance")

    def storage_options(self) -> dict[str, str]:
        return {}

    def consistency(self, writable: bool) -> timedelta:
        return timedelta(0)  # checking a local manifest costs a stat

    def doc(self, name: str) -> Doc:
        return LocalDoc(self.dir / name)

    def writer_lock(self) -> WriteLock:
        return _LocalLock(self.dir / "writer.lock")

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())

    @property
    def cache_dir(self) -> Path:
        return self.dir / "cache"

    def __repr__(self) -> str:
        return f"LocalPlace({self.uri!r})"


# -- S3-compatible object storage -------------------------------------------------------------
class SharedDoc:
    """An S3 document whose ETag is asked for at most every SHARED_DOC_REFRESH seconds: the
    store info is consulted on every table access, and each HEAD is a round trip."""

    def __init__(self, obj: S3Json) -> None:
        self._obj = obj
        self._checked = (0.0, None)
        self._mutex = threading.Lock()

    def read(self) -> dict | None:
        with self._mutex:
            data = self._obj.read()
            self._checked = (time.monotonic(), self._obj.etag)
            return data

    def stamp(self) -> object:
        with self._mutex:
            at, etag = self._checked
            if time.monotonic() - at > SHARED_DOC_REFRESH:
                etag = self._obj.stamp()
                self._checked = (time.monotonic(), etag)
            return etag

    def update(self, change: Callable[[dict | None], dict]) -> dict:
        with self._mutex:
            new = self._obj.update(change)
            self._checked = (time.monotonic(), self._obj.etag)
            return new


class LeaseKeeper:
    """The S3 writer lease, renewed in the background at a third of its life. If a renewal
    fails (the machine slept, the network dropped and another writer took over), `lost` is
    set and the store refuses further writes."""

    def __init__(self, loc: S3Location, seconds: float | None = None) -> None:
        self.lease = Lease(loc, seconds) if seconds else Lease(loc)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self.lease.acquire()
        self._thread = threading.Thread(target=self._renew, name="lease-renewal", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.lease.seconds / 3):
            try:
                self.lease.renew()
            except StoreLocked:
                self.lost.set()
                return
            except Exception:  # a network hiccup: try again before the lease runs out
                continue

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if not self.lost.is_set():
            self.lease.release()


class S3Place:
    shared = True

    def __init__(
        self, loc: S3Location, mounts: dict[str, str] | None = None,
        lease_seconds: float | None = None, cache: Path | None = None,
    ) -> None:  # fmt: skip
        self.loc = loc
        key = hashlib.sha1(loc.uri.encode()).hexdigest()[:12]
        self._cache = cache or Path(tempfile.gettempdir()) / "soundseek-libraries" / key
        self.uri = loc.uri
        self.mounts = dict(mounts or {})
        self.lease_seconds = lease_seconds
        self._client = None
        self._checked = False

    @property
    def client(self):
        if self._client is None:
            self._client = self.loc.client()
        return self._client

    def lance_uri(self) -> str:
        return f"{self.loc.uri}/lance"

    def storage_options(self) -> dict[str, str]:
        return self.loc.storage_options()

    def consistency(self, writable: bool) -> timedelta | None:
        """The writer (the only one, by the lease) sees its own commits without asking; a
        check is a listing round trip on every table access."""
        return None if writable else SHARED_READ_CONSISTENCY

    def doc(self, name: str) -> Doc:
        return SharedDoc(S3Json(self.loc, name, self.client))

    def check_writable(self) -> None:
        """The conditional-write canary, once per process and place (it writes two objects)."""
        if not self._checked:
            check_conditional_writes(self.loc, self.client)
            self._checked = True

    def writer_lock(self) -> WriteLock:
        self.check_writable()
        return LeaseKeeper(self.loc, self.lease_seconds)

    def size_bytes(self) -> int:
        pages = self.client.get_paginator("list_objects_v2")
        prefix = self.loc.key("") + "/" if self.loc.prefix else ""
        return sum(o["Size"] for page in pages.paginate(Bucket=self.loc.bucket, Prefix=prefix)
                   for o in page.get("Contents", []))  # fmt: skip

    @property
    def cache_dir(self) -> Path:
        return self._cache

    def __repr__(self) -> str:
        return f"S3Place({self.uri!r})"


def as_place(where: str | Path | Place) -> Place:
    """A Place from a place, or a local folder path."""
    if isinstance(where, (str, Path)):
        return LocalPlace(where)
    return where


class MirroredPlace:
    """A shared index read from its local copy (see `mirror`): tables, store info and library
    folders as of the last sync. Read-only: writers open the S3 place."""

    shared = True

    def __init__(self, s3: S3Place, folder: Path) -> None:
        from soundseek.index.places.mirror import Mirror

        self.s3 = s3
        self.mirror = Mirror(s3, folder)
        self.uri, self.mounts = s3.uri, s3.mounts

    def lance_uri(self) -> str:
        return str(self.mirror.lance)

    def storage_options(self) -> dict[str, str]:
        return {}

    def consistency(self, writable: bool) -> timedelta:
        return timedelta(0)

    def doc(self, name: str) -> Doc:
        """Copied with the tables, so info and tables are of the same moment."""
        return LocalDoc(self.mirror.folder / name)

    def writer_lock(self) -> WriteLock:
        raise PermissionError(f"the local copy of {self.uri} is read-only; write to the store")

    def size_bytes(self) -> int:
        return self.s3.size_bytes()

    @property
    def cache_dir(self) -> Path:
        return self.s3.cache_dir

    def __repr__(self) -> str:
        return f"MirroredPlace({self.uri!r})"
