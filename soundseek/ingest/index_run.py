"""What an index run reports and what it is asked to do: plain data the shells render."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from soundseek.files.roots import Root


@dataclass
class IndexProgress:
    """A snapshot the CLI and UI render; `phase` says which stage produced it."""

    phase: str
    files_done: int = 0
    files_total: int = 0
    audio_seconds: float = 0.0
    errors: int = 0
    rate: float = 0.0
    elapsed: float = 0.0
    current: str = ""
    message: str = ""

    @property
    def eta_seconds(self) -> float | None:
        if self.phase != "embed" or self.rate <= 0 or not self.files_total:
            return None
        return (self.files_total - self.files_done) / self.rate


@dataclass
class IndexOptions:
    roots: list[Root]
    exclusions: list[str] = field(default_factory=list)
    batch_size: int = 8
    cancel: threading.Event | None = None
    workers: int = 1  # decoder processes

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()
