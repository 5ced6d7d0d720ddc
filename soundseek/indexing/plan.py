"""What an index run must do: a pure diff of what is stored against what is on disk."""

from __future__ import annotations

from dataclasses import dataclass

from soundseek.files.roots import Root
from soundseek.files.scanner import ScannedFile
from soundseek.index.records import FileKey, FileState


@dataclass
class Plan:
    """New or changed files to describe, and stored files that are gone for sure."""

    changed: list[ScannedFile]
    removed: list[FileKey]


def plan_changes(
    known: dict[FileKey, FileState], found: list[ScannedFile], roots: list[Root]
) -> Plan:
    """Changed means new, or another size or mtime. A file counts as gone only if its root is
    online (an unplugged drive keeps its files) or its root left the library."""
    changed = [
        f
        for f in found
        if (k := known.get(FileKey(f.root_id, f.relpath))) is None
        or (k.size, k.mtime_ns) != (f.size, f.mtime_ns)
    ]
    seen = {FileKey(f.root_id, f.relpath) for f in found}
    online = {r.id for r in roots if r.online}
    registered = {r.id for r in roots}
    removed = [
        k for k in known if k not in seen and (k.root_id in online or k.root_id not in registered)
    ]
    return Plan(changed, removed)
