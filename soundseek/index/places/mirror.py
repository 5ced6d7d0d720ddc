"""A local read copy of a shared index's tables, so searching a team library costs what
searching a local one does (every warm query on object storage is several sequential GETs;
over a WAN each is tens of milliseconds), and keeps working through network hiccups.

Lance never changes a file once written: data, deletion and index files are new objects, and
each commit is a new manifest written after everything it refers to. So a copy is kept
current by fetching what is new: list the manifests first, then everything else (a listing
taken after a manifest holds every file that manifest refers to), fetch the files, then the
manifests, each into a temporary name renamed into place. A reader of the copy therefore only
ever sees complete versions. Files the store no longer has (old versions cleaned up, days
after compaction) are removed from the copy.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from soundseek.index.places.jsonfile import write_json
from soundseek.index.places.objectstore import ObjectStoreError

log = logging.getLogger(__name__)

LANCE = "lance"
STAMP = ".synced.json"
MUTABLE = ("_latest.manifest",)  # written in place by older Lance layouts: always re-fetched
DOCUMENTS = ("store.json", "roots.json")


@dataclass(frozen=True)
class SyncStats:
    fetched: int
    fetched_bytes: int
    removed: int
    seconds: float


class Mirror:
    """The local copy of one S3 place's `lance/` folder."""

    def __init__(self, place, folder: Path) -> None:
        self.place = place
        self.folder = Path(folder)
        self.lance = self.folder / LANCE

    def _prefix(self) -> str:
        return self.place.loc.key(LANCE) + "/"

    def _list(self, manifests: bool) -> dict[str, int]:
        """Relative key -> size, of the manifests only or of every object."""
        client, loc = self.place.client, self.place.loc
        out: dict[str, int] = {}
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=loc.bucket, Prefix=self._prefix()
        )
        for page in pages:
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(self._prefix()) :]
                if not manifests or _is_manifest(rel):
                    out[rel] = obj["Size"]
        return out

    def sync(self) -> SyncStats:
        """Bring the copy up to the store's latest commits; ObjectStoreError if unreachable."""
        from botocore.exceptions import BotoCoreError, ClientError

        t0 = time.monotonic()
        try:
            manifests = self._list(manifests=True)
            everything = self._list(manifests=False)
            files = {k: s for k, s in everything.items() if not _is_manifest(k)}
            fetched, size = self._fetch_missing(files)
            n, b = self._fetch_missing(manifests, ordered=True)
            self._fetch_documents()
        except (BotoCoreError, ClientError) as exc:
            msg = f"{self.place.uri}: the local copy was not updated ({exc})"
            raise ObjectStoreError(msg) from exc
        removed = self._prune(set(everything))
        stats = SyncStats(fetched + n, size + b, removed, time.monotonic() - t0)
        self._write_stamp()
        if stats.fetched or stats.removed:
            log.info("mirror of %s: %d files fetched (%d bytes), %d removed in %.1f s",
                     self.place.uri, stats.fetched, stats.fetched_bytes, stats.removed,
                     stats.seconds)  # fmt: skip
        return stats

    def _fetch_missing(self, keys: dict[str, int], ordered: bool = False) -> tuple[int, int]:
        count = size = 0
        for rel in sorted(keys) if ordered else keys:
            local = self.lance / rel
            fresh = local.exists() and local.stat().st_size == keys[rel]
            if fresh and not rel.endswith(MUTABLE):
                continue
            self._fetch(rel, local)
            count, size = count + 1, size + keys[rel]
        return count, size

    def _fetch_documents(self) -> None:
        """store.json and roots.json, after the tables (a model switch shows with its
        tables); one that does not exist yet is not copied."""
        for name in DOCUMENTS:
            data = self.place.doc(name).read()
            if data is not None:
                write_json(self.folder / name, data)

    def _fetch(self, rel: str, local: Path) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(f".{local.name}.part")
        self.place.client.download_file(self.place.loc.bucket, self._prefix() + rel, str(tmp))
        os.replace(tmp, local)

    def _prune(self, remote: set[str]) -> int:
        removed = 0
        if not self.lance.is_dir():
            return 0
        for path in self.lance.rglob("*"):
            rel = path.relative_to(self.lance).as_posix()
            if path.is_file() and rel not in remote and not path.name.endswith(".part"):
                path.unlink()
                removed += 1
        return removed

    def last_synced(self) -> float:
        """When the copy was last brought up to date (0: never)."""
        try:
            return float(json.loads((self.folder / STAMP).read_text())["at"])
        except (OSError, ValueError, KeyError):
            return 0.0

    def _write_stamp(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{STAMP}.tmp"
        tmp.write_text(json.dumps({"at": time.time(), "uri": self.place.uri}))
        os.replace(tmp, self.folder / STAMP)


def _is_manifest(rel: str) -> bool:
    return "/_versions/" in f"/{rel}" or rel.endswith(".manifest")
