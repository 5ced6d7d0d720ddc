"""Copy groups exported for a spreadsheet or a script: CSV or JSON, chosen by the file's
extension, written whole or not at all (a temporary file beside it, then a rename).

CSV: one row per file, the columns below (`keeper` is true/false, an unknown value empty).
JSON: `{"format": 1, "groups": [<the dupes --json line of each group>]}`.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

from soundseek.copies.groups import CopyGroup
from soundseek.errors import CopiesOptionError, SoundSeekError

COLUMNS = ("group", "level", "path", "keeper", "offset_s", "format", "samplerate",
           "bit_depth", "channels", "duration", "size")  # fmt: skip
FORMAT = 1


def rows(groups: list[CopyGroup]) -> list[dict]:
    """One row per file: its group, the group's level, then the file as `dupes --json` has
    it (its own relation to the keeper is `level` there; here the group's)."""
    out = []
    for g in groups:
        for f in g.to_json()["files"]:
            out.append({"group": g.id, "level": g.level,
                        **{k: f.get(k) for k in COLUMNS[2:]}})  # fmt: skip
    return out


def export_groups(groups: list[CopyGroup], path: str) -> int:
    """Write `groups` to `path` (.csv or .json); returns how many file rows."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".json"):
        raise CopiesOptionError(f"cannot export to {path!r}: name a .csv or .json file")
    try:
        return _write(groups, Path(path).absolute(), ext)
    except OSError as exc:
        raise SoundSeekError(f"cannot write {path} ({exc.strerror or exc})") from exc


def _write(groups: list[CopyGroup], target: Path, ext: str) -> int:
    table = rows(groups)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            if ext == ".csv":
                writer = csv.DictWriter(fh, fieldnames=COLUMNS)
                writer.writeheader()
                writer.writerows({k: _cell(v) for k, v in r.items()} for r in table)
            else:
                json.dump({"format": FORMAT, "groups": [g.to_json() for g in groups]}, fh,
                          indent=1)  # fmt: skip
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(table)


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
