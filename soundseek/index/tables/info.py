"""`store.json`: the layout version of an index, the vector space of its windows, and who
indexed it last (a shared library shows its readers which machine did, and when)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from soundseek.errors import StoreVersionError
from soundseek.index.tables.version import SCHEMA_VERSION


@dataclass(frozen=True)
class StoreInfo:
    """What an index holds: its schema version and which model made its vectors."""

    schema_version: int = SCHEMA_VERSION
    model_id: str = ""
    dim: int = 0
    space: str = ""  # checkpoint + feature version: vectors of one space are comparable
    runtimes: tuple[str, ...] = ()  # backend-precision pairs (all gate-passed) that wrote them
    indexed_by: str = ""  # "host (soundseek 0.x, cluster of 4 actors)": the last index run
    indexed_at: float = 0.0  # when it finished (Unix time); 0: never recorded

    def to_json(self) -> dict:
        out = {**asdict(self), "runtimes": list(self.runtimes)}
        for optional in ("indexed_by", "indexed_at"):  # absent until a run records them
            if not out[optional]:
                del out[optional]
        return out


class InfoFile:
    """Re-read whenever the document changes, so a reader sees the writer's model switch."""

    def __init__(self, doc, where: str) -> None:
        self.doc, self.where = doc, where
        self._cache: tuple[object, StoreInfo] | None = None
        self._mutex = threading.Lock()

    @property
    def exists(self) -> bool:
        return self.doc.stamp() is not None

    def read(self) -> StoreInfo:
        with self._mutex:
            now = self.doc.stamp()
            if self._cache is None or self._cache[0] != now:
                self._cache = (now, self._parse(self.doc.read()))
            return self._cache[1]

    def _parse(self, raw: dict | None) -> StoreInfo:
        if raw is None:
            return StoreInfo()
        known = ("schema_version", "model_id", "dim", "space", "indexed_by", "indexed_at")
        info = StoreInfo(**{k: raw[k] for k in known if k in raw},
                         runtimes=tuple(raw.get("runtimes", ())))  # fmt: skip
        if info.schema_version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"The index at {self.where} was written by a newer SoundSeek "
                f"(schema {info.schema_version} > {SCHEMA_VERSION}); update SoundSeek."
            )
        return info

    def write(self, info: StoreInfo) -> None:
        self.doc.update(lambda _old: info.to_json())
