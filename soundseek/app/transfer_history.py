"""What was transferred, when, where and how: one JSON line per transfer in the data folder.

The history is also what makes an identical transfer free: `made(key)` hands back earlier
outputs, but only files that are still exactly as SoundSeek published them (same size and
modification time); a copy someone edited or replaced is rendered again, never trusted.

Format 1 (`"v": 1` on every line). A line that cannot be read (torn by a kill, damaged) is
skipped; fields a newer version adds are ignored. MIGRATIONS upgrades older lines on read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from soundseek.files.durable import LineFile
from soundseek.transfer.engine import Transferred

log = logging.getLogger(__name__)
HISTORY_VERSION = 1
MIGRATIONS: dict[int, object] = {}  # version -> function(raw) -> raw of the next version


@dataclass(frozen=True)
class OutputFile:
    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str) -> OutputFile:
        st = os.stat(path)
        return cls(path, st.st_size, st.st_mtime_ns)

    def unchanged(self) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns)


@dataclass(frozen=True)
class TransferRecord:
    id: str
    when: float  # seconds since the epoch
    source: str
    region: tuple[float, float] | None
    preset: str
    options: dict
    outputs: tuple[OutputFile, ...]
    key: str
    rate: int
    bits: str
    channels: int
    frames: int
    format: str
    reused: bool
    staged: bool = False  # rendered ahead for a drag, in the cache: not shown as a transfer

    @property
    def folder(self) -> str:
        return os.path.dirname(self.outputs[0].path) if self.outputs else ""

    def as_json(self) -> dict:
        raw = asdict(self)
        raw["v"] = HISTORY_VERSION
        return raw

    @classmethod
    def from_json(cls, raw: dict) -> TransferRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["outputs"] = tuple(OutputFile(**o) for o in raw["outputs"])
        values["region"] = tuple(raw["region"]) if raw.get("region") else None
        return cls(**values)


class TransferHistory:
    """Append-only; safe to add to from the window's render-ahead thread and a drag at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._read: tuple[tuple[int, int], list[TransferRecord]] | None = None  # (stamp, records)

    def add(self, done: Transferred, region: tuple[float, float] | None, preset: str,
            options: dict, files: list[tuple[str, int, int]] | None = None,
            staged: bool = False) -> TransferRecord:  # fmt: skip
        """Record a transfer; `files` gives the outputs' (path, size, mtime_ns) when they are
        not under their names yet (else they are read from the files)."""
        outputs = (tuple(OutputFile(*f) for f in files) if files is not None
                   else tuple(OutputFile.of(p) for p in done.outputs))  # fmt: skip
        record = TransferRecord(
            uuid.uuid4().hex[:12], time.time(), done.source, region, preset, options, outputs,
            done.key, done.rate, done.bits, done.channels, done.frames, done.format, done.reused,
            staged,
        )  # fmt: skip
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lines = LineFile(self.path)
            try:
                lines.add(record.as_json(), sync=False)
            finally:
                lines.close()
        return record

    def records(self) -> list[TransferRecord]:
        """Oldest first; unreadable lines skipped (and logged once per read). Read again only
        when the file changed (another process transferred): a batch of a thousand files
        looks its history up a thousand times."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        stamp = (st.st_size, st.st_mtime_ns)
        if self._read is not None and self._read[0] == stamp:
            return self._read[1]
        records = self._parse(self.path.read_bytes())
        self._read = (stamp, records)
        return records

    def _parse(self, raw: bytes) -> list[TransferRecord]:
        out, bad = [], 0
        for line in raw.splitlines():
            try:
                out.append(TransferRecord.from_json(_upgraded(json.loads(line))))
            except (ValueError, KeyError, TypeError):
                bad += 1
        if bad:
            log.warning("%s: skipped %d unreadable line(s)", self.path, bad)
        return out

    def find(self, record_id: str) -> TransferRecord | None:
        return next((r for r in reversed(self.records()) if r.id == record_id), None)

    def made(self, key: str, folder: str = "") -> tuple[str, ...] | None:
        """The newest outputs made under `key` that are all still as published; those in
        `folder` first (a copy already where it is wanted is not linked there again)."""
        intact = [rec for rec in reversed(self.records()) if rec.key == key and _intact(rec)]
        there = [rec for rec in intact if rec.folder == folder]
        best = (there or intact or [None])[0]
        return tuple(o.path for o in best.outputs) if best is not None else None

    def shown(self) -> list[TransferRecord]:
        """The transfers a user made (renders made ahead for a drag are not among them)."""
        return [r for r in self.records() if not r.staged]

    def takes(self, source: str) -> int:
        """How many distinct renders of this source there were (the next take is one more)."""
        with contextlib.suppress(OSError):
            return len({r.key for r in self.records() if r.source == source and r.key})
        return 0


def _intact(rec: TransferRecord) -> bool:
    return bool(rec.outputs) and all(o.unchanged() for o in rec.outputs)


def _upgraded(raw: dict) -> dict:
    version = int(raw.get("v", 1))
    if version > HISTORY_VERSION:
        return raw  # a newer SoundSeek's line: read the fields this version knows
    while version < HISTORY_VERSION:
        raw = MIGRATIONS[version](raw)  # type: ignore[operator]
        version += 1
    return raw
