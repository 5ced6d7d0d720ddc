"""`store.json`: the layout version of an index and the vector space of its windows."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from soundseek.errors import StoreVersionError
from soundseek.index.jsonfile import read_json, stamp, write_json
from soundseek.index.schema import SCHEMA_VERSION


@dataclass(frozen=True)
class StoreInfo:
    """What an index holds: its schema version and which model made its vectors."""

    schema_version: int = SCHEMA_VERSION
    model_id: str = ""
    dim: int = 0
    space: str = ""  # checkpoint + feature version: vectors of one space are comparable
    runtimes: tuple[str, ...] = ()  # backend-precision pairs (all gate-passed) that wrote them


class InfoFile:
    """Re-read whenever the file changes, so a reader sees the writer's model switch."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "store.json"
        self._cache: tuple[tuple[int, int] | None, StoreInfo] | None = None
        self._mutex = threading.Lock()

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> StoreInfo:
        with self._mutex:
            now = stamp(self.path)
            if self._cache is None or self._cache[0] != now:
                self._cache = (now, self._parse())
            return self._cache[1]

    def _parse(self) -> StoreInfo:
        raw = read_json(self.path)
        if raw is None:
            return StoreInfo()
        known = ("schema_version", "model_id", "dim", "space")
        info = StoreInfo(**{k: raw[k] for k in known if k in raw},
                         runtimes=tuple(raw.get("runtimes", ())))  # fmt: skip
        if info.schema_version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"The index at {self.path.parent} was written by a newer SoundSeek "
                f"(schema {info.schema_version} > {SCHEMA_VERSION}); update SoundSeek."
            )
        return info

    def write(self, info: StoreInfo) -> None:
        write_json(self.path, {**asdict(info), "runtimes": list(info.runtimes)})
