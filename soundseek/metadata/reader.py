"""Read what a file already says about itself: technical facts, tags, bext, iXML, UCS name."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field, fields

import mutagen

from soundseek.audio.sources import probe
from soundseek.errors import UnreadableFile
from soundseek.files.names import readable
from soundseek.files.riff import RiffError, WavChunks, read_wav_chunks
from soundseek.metadata.fields import (
    BEXT,
    DECODED,
    FIELDS,
    SEARCHED,
    TAG_ALIASES,
    USER_READ,
    FileFields,
    Home,
)
from soundseek.metadata.formats import MUTAGEN_ERRORS, mutagen_formats
from soundseek.metadata.text import words
from soundseek.metadata.ucs import UcsCatalog, load_catalog


@dataclass
class FileMeta(FileFields):
    """Everything SoundSeek knows about one file before listening to it: the stored fields
    (metadata.fields), what is read only for its words, and a player's tags."""

    path: str = field(kw_only=True)
    notes: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        """The name's words as search reads them (bytes that are not UTF-8 as Windows-1252)."""
        return readable(os.path.basename(self.path))

    @property
    def folder(self) -> str:
        return readable(os.path.dirname(self.path))

    @property
    def ext(self) -> str:
        return os.path.splitext(self.path)[1].lower().lstrip(".")

    def search_text(self) -> str:
        """The words full-text search sees: name, folder, descriptions, keywords, category."""
        parts = [
            " ".join(words(os.path.splitext(self.filename)[0])),
            " ".join(words(os.path.basename(self.folder))),
            " ".join(words(os.path.basename(os.path.dirname(self.folder)))),
            *(getattr(self, name) for name in SEARCHED),
            *self.tags.values(),
        ]
        return " ".join(p for p in parts if p)


_READ_ONLY = {f.name for f in FIELDS if f.home is Home.READ}
if _READ_ONLY - {f.name for f in fields(FileMeta)}:
    raise TypeError(f"FileMeta must declare the fields read for their words: {_READ_ONLY}")


def read_technical(path: str) -> FileMeta:
    """Format, duration, rate, channels and depth from whichever decoder reads the file;
    failures become UnreadableFile with every decoder's reason."""
    info = probe(path)
    return FileMeta(path=path, **{name: getattr(info, name) for name in DECODED})


def _flatten_tags(tags: object) -> dict[str, str]:
    out: dict[str, str] = {}
    if tags is None:
        return out
    for key in list(getattr(tags, "keys", list)()):
        value = tags[key]
        text = getattr(value, "text", value)
        if isinstance(text, list | tuple):
            text = " ".join(str(t) for t in text)
        name = str(key).split(":", 1)[0].lower()
        if name in ("apic", "covr", "metadata_block_picture", "priv", "geob"):
            continue
        if name == "txxx":
            name = str(key).split(":", 1)[-1].lower()
        out[name] = str(text).strip()[:2000]
    return out


def read_tags(path: str) -> dict[str, str]:
    """ID3 / Vorbis / MP4 tags through mutagen, flattened to lower-case names.

    mutagen.File scores every format it knows against the header; asking only the formats
    the extension names first halves the cost of a metadata pass (a misnamed file still
    falls through to the full guess)."""
    mf = None
    try:
        options = mutagen_formats(path)
        if options:
            with contextlib.suppress(*MUTAGEN_ERRORS):
                mf = mutagen.File(path, options=options)
        if mf is None:
            mf = mutagen.File(path)
    except MUTAGEN_ERRORS as exc:
        raise UnreadableFile(path, f"tags unreadable ({exc})") from exc
    return _flatten_tags(getattr(mf, "tags", None)) if mf is not None else {}


def _apply_tags(meta: FileMeta, tags: dict[str, str]) -> None:
    picked: dict[str, str] = {}
    for name, keys in TAG_ALIASES.items():
        for k in keys:
            if tags.get(k):
                picked[name] = tags[k]
                break
    meta.tags = picked
    for attr, key in USER_READ.items():
        if not getattr(meta, attr) and tags.get(key.lower()):
            setattr(meta, attr, tags[key.lower()])


def _apply_chunks(meta: FileMeta, chunks: WavChunks) -> None:
    if chunks.bext is not None:
        for attr in BEXT:
            setattr(meta, attr, getattr(chunks.bext, attr))
    user = chunks.ixml_user  # only non-empty values
    for attr, key in USER_READ.items():
        if user.get(key) and not (attr in BEXT and getattr(meta, attr)):
            setattr(meta, attr, user[key])
    meta.notes = meta.notes or chunks.ixml_note
    if chunks.problems:
        meta.warning = "; ".join(chunks.problems)


def _apply_ucs(meta: FileMeta, catalog: UcsCatalog) -> None:
    """A CatID from the name or iXML counts only if it is in the UCS list, exactly."""
    if not meta.catid:
        parsed = catalog.parse_filename(meta.filename)
        if parsed:
            meta.catid = parsed.catid
            meta.fx_name = meta.fx_name or parsed.fx_name
    cat = catalog.get(meta.catid) if meta.catid else None
    if meta.catid and cat is None:
        meta.warning = f"CatID {meta.catid!r} is not in the UCS {catalog.version} list"
        meta.catid = ""
    if cat is not None:
        meta.category = meta.category or cat.category
        meta.subcategory = meta.subcategory or cat.subcategory


def read_metadata(path: str, catalog: UcsCatalog | None = None) -> FileMeta:
    """All metadata of one file; only unreadable audio raises, tag trouble becomes a warning."""
    meta = read_technical(path)
    chunks = None
    if meta.format in ("WAV", "WAVEX", "RF64", "W64") or meta.ext in ("wav", "bwf", "wave"):
        try:
            with open(path, "rb") as fh:
                chunks = read_wav_chunks(fh)
        except (RiffError, OSError, ValueError) as exc:
            meta.warning = f"BWF/iXML chunks unreadable ({exc})"
    if chunks is None or chunks.has_id3:  # a WAV's only tags for mutagen live in "id3 "
        try:
            _apply_tags(meta, read_tags(path))
        except UnreadableFile as exc:
            meta.warning = exc.reason
    if chunks is not None:
        _apply_chunks(meta, chunks)
    _apply_ucs(meta, catalog or load_catalog())
    return meta
