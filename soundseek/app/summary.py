"""A small cached summary of the library, so a window can show counts before the index opens.

Opening the index means importing LanceDB (about a second) and reading tables; the window shows
this instead and replaces it with live numbers as soon as the index is open.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field

from soundseek.paths import AppPaths


@dataclass(frozen=True)
class Summary:
    """Counts as of the last time they were read from the index."""

    roots: dict[str, dict[str, int]] = field(default_factory=dict)  # root id -> counts
    indexed: int = 0
    errors: int = 0
    windows: int = 0
    index_model: str = ""


def read_summary(paths: AppPaths) -> Summary:
    try:
        raw = json.loads(paths.summary_file.read_text(encoding="utf-8"))
        return Summary(**{k: raw[k] for k in asdict(Summary()) if k in raw})
    except (OSError, ValueError, TypeError):
        return Summary()


def write_summary(paths: AppPaths, summary: Summary) -> None:
    paths.summary_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=paths.summary_file.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(summary), fh)
    os.replace(tmp, paths.summary_file)
