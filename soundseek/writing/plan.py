"""Decide what each file should say: its accepted UCS category, its tags as keywords, and
the UCS fields that follow from them; compared with what the file says now, so a dry run
shows the difference and a file that already says it all is not rewritten."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields

from soundseek.files.names import cut_to_bytes, name_max, readable
from soundseek.index.tables.records import FileRecord
from soundseek.metadata.fields import USER_NAMES, WRITE_ONLY, MetadataChange
from soundseek.metadata.reader import FileMeta, read_metadata
from soundseek.metadata.ucs import UcsCatalog


@dataclass(frozen=True)
class Naming:
    """The UCS filename blocks that come from the user, not the sound (settings)."""

    creator_id: str = ""
    source_id: str = ""


@dataclass(frozen=True)
class PlannedWrite:
    path: str
    change: MetadataChange  # only the fields that differ from what the file says
    before: dict[str, str]  # those fields' values now
    new_path: str = ""  # a UCS rename, if asked for and possible
    note: str = ""  # why no rename, or why nothing is written
    was: str = ""  # the indexed path, when the file was found under a name a batch gave it


def merge_keywords(existing: str, tags: list[str]) -> str:
    """The file's keywords with the user's tags added, each once, in their first order."""
    seen, out = set(), []
    for word in [*re.split(r"[,;]", existing), *tags]:
        word = word.strip()
        if word and word.lower() not in seen:
            seen.add(word.lower())
            out.append(word)
    return ", ".join(out)


FX_NAME_WORDS, FX_NAME_WIDTH = 5, 25


def fx_name_for(meta: FileMeta) -> str:
    """UCS FXName: the file's own, else its description's start, else its name's words: as
    written, not as the search reads them (no joined compounds: "HandClap-Hard" is "Hand Clap
    Hard", not "Hand Clap Handclap Hard"), whole words only, and a name that is not UTF-8
    read as text (names.readable), since it goes into the file's metadata."""
    if meta.fx_name:
        return meta.fx_name
    source = meta.description or readable(os.path.splitext(os.path.basename(meta.path))[0])
    out: list[str] = []
    for token in re.split(r"[^0-9A-Za-z\u00C0-\uFFFF]+", source):
        for word in re.sub(r"(?<=[a-z])(?=[A-Z])", " ", token).split():
            if len(out) == FX_NAME_WORDS or len(" ".join([*out, word])) > FX_NAME_WIDTH:
                return " ".join(out).title() if out else word[:FX_NAME_WIDTH].title()
            out.append(word)
    return " ".join(out).title()


def target(meta: FileMeta, rec: FileRecord, tags: list[str], catalog: UcsCatalog,
           naming: Naming) -> MetadataChange:  # fmt: skip
    """Everything the file should say after the write."""
    cat = catalog.get(rec.catid) if rec.catid else None
    return MetadataChange(
        catid=cat.catid if cat else meta.catid,
        category=cat.category if cat else meta.category,
        subcategory=cat.subcategory if cat else meta.subcategory,
        category_full=cat.full if cat else "",
        fx_name=fx_name_for(meta) if cat else meta.fx_name,
        description=meta.description,
        keywords=merge_keywords(meta.keywords, tags),
        designer=meta.designer,
        library=meta.library,
        creator_id=naming.creator_id if cat else "",
        source_id=naming.source_id if cat else "",
    )


def _current(meta: FileMeta) -> dict[str, str]:
    own = {f.name: getattr(meta, f.name, "") or "" for f in fields(MetadataChange)}
    own["category_full"] = meta.tags.get(USER_NAMES["category_full"].lower(), "")
    return own


def diff(meta: FileMeta, want: MetadataChange) -> tuple[MetadataChange, dict[str, str]]:
    """The fields to write (those that differ), and their values now. Fields already right
    are written too once anything is (every format then says the same), so this only
    decides whether the file is rewritten at all."""
    now = _current(meta)
    changed = {k: v for k, v in want.values().items() if v != now.get(k, "")}
    if not changed or set(changed) <= WRITE_ONLY:
        return MetadataChange(), {}
    return want, {k: now.get(k, "") for k in changed}


def plan_file(rec: FileRecord, tags: list[str], catalog: UcsCatalog, naming: Naming,
              rename: bool, taken: set[str]) -> PlannedWrite:  # fmt: skip
    meta = read_metadata(rec.path, catalog)
    want = target(meta, rec, tags, catalog, naming)
    change, before = diff(meta, want)
    new_path, note = "", "" if change else "already up to date"
    if rename:
        new_path, why = ucs_name(rec.path, want, taken)
        note = note if new_path else why
        if new_path and not change:
            change, before, note = want, {}, ""
    return PlannedWrite(rec.path, change, before, new_path, note)


_UNSAFE = re.compile(r'[_/\\:*?"<>|\x00-\x1f]+')


def _block(text: str) -> str:
    """A UCS filename block: no underscores (they separate blocks), nothing a file system
    refuses, single spaces."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def _fits(catid: str, fx: str, number: str, tail: str, limit: int) -> str:
    """`CatID_FXName[ NN]_Creator_Source.ext` cut to the file system's limit: the FX name
    gives way first, then (absurdly long IDs) the whole stem; the extension stays."""
    room = limit - len(f"{catid}_{number}{tail}".encode())
    name = f"{catid}_{cut_to_bytes(fx, room) or 'X'}{number}{tail}"
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, ext = os.path.splitext(name)
    return cut_to_bytes(stem, limit - len(ext.encode("utf-8"))) + ext


def ucs_name(path: str, want: MetadataChange, taken: set[str]) -> tuple[str, str]:
    """`CatID_FXName_CreatorID_SourceID.ext` beside the file, numbered if the name is taken
    (on disk or earlier in the batch), cut to the file system's name limit; ("", why not)
    when it cannot be named."""
    if not want.catid:
        return "", "no UCS category to name it by"
    if not (want.creator_id and want.source_id):
        return "", "set a UCS creator ID and source ID first (settings) to rename"
    folder, name = os.path.split(path)
    ext = os.path.splitext(name)[1]
    fx = _block(want.fx_name) or "Untitled"
    tail = f"_{_block(want.creator_id)}_{_block(want.source_id)}{ext}"
    limit = name_max(folder)
    for n in range(1, 1000):
        number = "" if n == 1 else f" {n:02d}"
        candidate = os.path.join(folder, _fits(want.catid, fx, number, tail, limit))
        if candidate == path:
            return "", "already named so"
        free = candidate.lower() not in taken and not os.path.lexists(candidate)
        if free:
            taken.add(candidate.lower())
            return candidate, ""
    return "", "no free UCS name"
