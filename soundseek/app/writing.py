"""Write-back as the shells use it: choose files, plan, write (or show), refresh the index,
undo the last batch."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from soundseek.errors import StoreLocked, WriteRefused
from soundseek.index.places.place import Place
from soundseek.index.store import Store
from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.ingest.refresh import refresh_files
from soundseek.metadata.ucs import load_catalog
from soundseek.writing.batch import FileOutcome, WriteProgress, dry_run, run_batch, writer_lock
from soundseek.writing.journal import renames
from soundseek.writing.plan import Naming, PlannedWrite, plan_file
from soundseek.writing.undo import Undone, undo_last
from soundseek.writing.undo import last_batch as last_batch  # the batch `undo` would undo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    paths: list[str] | None = None
    records: list[FileRecord] | None = None  # e.g. a search's files


def chosen_records(store: Store, sel: Selection) -> tuple[list[FileRecord], list[str]]:
    """The indexed files to write, and the paths that are not in the index. Nothing chosen:
    every file with an accepted category or a tag."""
    if sel.records is not None:
        return sel.records, []
    if sel.paths:
        found, missing = [], []
        for p in sel.paths:
            rec = store.record_at(os.path.abspath(p))
            (found.append(rec) if rec is not None else missing.append(p))
        return found, missing
    records = store.records_by_hash(store.annotations.annotated_contents())
    return [r for r in records if r.status is not FileStatus.ERROR], []


def plan_writes(store: Store, records: list[FileRecord], naming: Naming, rename: bool,
                journal_root: Path | None = None) -> list[PlannedWrite | WriteRefused]:  # fmt: skip
    """What each file would get; a file whose metadata cannot be read is a refusal. A file
    an earlier batch renamed before the index learnt it (a killed `write --rename`) is
    found under its new name through the journal."""
    from soundseek.errors import UnreadableFile

    catalog = load_catalog()
    tags = store.annotations.tags_of([r.content_hash for r in records if r.content_hash])
    taken: set[str] = set()
    out: list[PlannedWrite | WriteRefused] = []
    moved: dict[str, str] | None = None
    for rec in sorted(records, key=lambda r: r.path):
        if journal_root is not None and moved is None and not os.path.lexists(rec.path):
            moved = renames(journal_root)  # read once, only when a file is missing
        found = _current(rec, moved or {})
        try:
            plan = plan_file(found, tags.get(rec.content_hash, []), catalog, naming, rename,
                             taken)  # fmt: skip
            out.append(dataclasses.replace(plan, was=rec.path) if found is not rec else plan)
        except (UnreadableFile, OSError) as exc:
            out.append(WriteRefused(rec.path, _unplanned(exc)))
    return out


def _current(rec: FileRecord, moved: dict[str, str]) -> FileRecord:
    """The record under the name a batch gave its file, if the index has not learnt it."""
    new, hops = rec.path, 0
    while new in moved and not os.path.lexists(new) and hops < len(moved):
        new, hops = moved[new], hops + 1  # renamed by one batch, then by a later one
    if new == rec.path or not os.path.lexists(new):
        return rec
    if os.path.dirname(new) != os.path.dirname(rec.path):
        return rec
    folder = rec.relpath.rpartition("/")[0]
    name = os.path.basename(new)
    found = dataclasses.replace(rec, relpath=f"{folder}/{name}" if folder else name)
    found.root = rec.root
    return found if found.path == new else rec


def _unplanned(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "it is no longer there (moved or deleted since it was indexed; index its folder)"
    if isinstance(exc, OSError):
        return f"it cannot be read ({exc.strerror or exc})"
    return getattr(exc, "reason", None) or str(exc)


def refresh_after(place: Place, present: list[str], gone: list[str]) -> None:
    """The index learns the new metadata and names at once; if an indexer holds the index,
    its next scan does it (fingerprints are of audio only: nothing is re-embedded)."""
    if not present and not gone:
        return
    try:
        with Store(place, writable=True) as store:
            refresh_files(store, present, gone)
    except StoreLocked:
        log.info("index busy: %d written files are refreshed by the next scan", len(present))


def old_fingerprints(records: list[FileRecord]) -> dict[str, str]:
    """Stored hashes still made the old, whole-file way (a file offline during the schema 3
    upgrade), mapped to the audio-only hash: re-keyed before writing, a written file keeps
    its vectors and tags."""
    from soundseek.files.fingerprint import content_hash, whole_file_hash

    moves = {}
    for rec in records:
        try:
            new = content_hash(rec.path)
            if new != rec.content_hash and whole_file_hash(rec.path) == rec.content_hash:
                moves[rec.content_hash] = new
        except OSError:
            continue  # refused, with its reason, when the batch reaches it
    return moves


def rekey(place: Place, moves: dict[str, str]) -> None:
    if moves:
        with Store(place, writable=True) as store:
            store.rekey(moves)


def write(journal_root: Path, plans: list[PlannedWrite], dry: bool,
          cancel: threading.Event | None) -> Iterator[WriteProgress]:  # fmt: skip
    return dry_run(plans) if dry else run_batch(plans, journal_root, cancel)


def undo(journal_root: Path) -> tuple[str, list[Undone]]:
    """Undo the newest batch not yet undone: (its id, what happened to each file)."""
    lock = writer_lock(journal_root)
    try:
        return undo_last(journal_root)
    finally:
        lock.release()


def refusals(missing: list[str], plans: list) -> Iterator[WriteProgress]:
    """Files that cannot even be planned: not in the index, or unreadable."""
    bad = [(p, "not in the index (add its folder and index it)") for p in missing]
    bad += [(x.path, x.reason) for x in plans if isinstance(x, WriteRefused)]
    for i, (path, reason) in enumerate(bad, 1):
        yield WriteProgress(i, len(bad), FileOutcome(path, "refused", reason=reason))


def planned(plans: list) -> list[PlannedWrite]:
    return [p for p in plans if isinstance(p, PlannedWrite)]


def tracked(progress: Iterator[WriteProgress]):
    """Pass progress through; return (path before, path now) of every written file."""
    written: list[tuple[str, str]] = []
    for p in progress:
        o = p.outcome
        if o.status == "written":
            written.append((o.was or o.path, o.new_path or o.path))
        yield p
    return written
