"""Remember which file the decoder was reading, so a file that crashes it cannot stall indexing."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

CRASH_STRIKES = 2
CRASH_REASON = (
    "the audio decoder crashed on this file {n} times; it is skipped until the file changes"
)


class DecodeJournal:
    """`current` is set while a file decodes; still set at the next start means a hard stop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        self.current: str | None = raw.get("current")
        self.strikes: dict[str, int] = dict(raw.get("strikes", {}))

    def settle_previous_run(self) -> list[str]:
        """Count a strike for the file in flight at a hard stop; return files to give up on."""
        if self.current:
            self.strikes[self.current] = self.strikes.get(self.current, 0) + 1
            self.current = None
            self._save()
        return [p for p, n in self.strikes.items() if n >= CRASH_STRIKES]

    def decoding(self, path: str | None) -> None:
        self.current = path
        self._save()

    def forget(self, paths: list[str]) -> None:
        """Files indexed or given up on no longer need watching."""
        if any(p in self.strikes for p in paths):
            for p in paths:
                self.strikes.pop(p, None)
            self._save()

    def _save(self) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"current": self.current, "strikes": self.strikes}, fh)
        os.replace(tmp, self.path)
