"""Write metadata into FLAC, Ogg (Vorbis, Opus, FLAC), MP3 and AIFF files through mutagen.

Vorbis comments and ID3 `TXXX` frames carry the same upper-case names as iXML USER, which is
what sound-library tools read from these formats; ID3 also gets a COMM frame for players.
Called on a temporary copy: the original is replaced only once the copy is verified.
"""

from __future__ import annotations

import mutagen
from mutagen.aiff import AIFF
from mutagen.flac import FLAC
from mutagen.id3 import COMM, ID3, TXXX
from mutagen.mp3 import MP3
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from soundseek.metadata.aiffid3 import even_padding, place_id3_chunk
from soundseek.metadata.fields import USER_NAMES, MetadataChange
from soundseek.metadata.formats import MUTAGEN_ERRORS

WRITABLE = (FLAC, OggVorbis, OggOpus, OggFLAC, MP3, AIFF)
FORMAT_NAMES = {FLAC: "FLAC", OggVorbis: "Ogg Vorbis", OggOpus: "Opus", OggFLAC: "Ogg FLAC",
                MP3: "MP3", AIFF: "AIFF"}  # fmt: skip


class TagWriteError(ValueError):
    """mutagen could not write this file; the message says why."""


def open_writable(path: str) -> mutagen.FileType:
    """The file as mutagen sees it, by its content (a misnamed file is what it really is)."""
    try:
        mf = mutagen.File(path, options=list(WRITABLE))
    except MUTAGEN_ERRORS as exc:
        raise TagWriteError(f"its tags cannot be read ({exc})") from exc
    if mf is None:
        raise TagWriteError(
            "SoundSeek writes metadata into WAV/BWF/RF64, AIFF, FLAC, Ogg "
            "(Vorbis, Opus, FLAC) and MP3 files only"
        )
    return mf


def format_name(mf: mutagen.FileType) -> str:
    return FORMAT_NAMES.get(type(mf), type(mf).__name__)


def write_tags(path: str, change: MetadataChange, extra: dict[str, str] | None = None) -> str:
    """Apply the change (and `extra` fields, by their tag names) to the file at `path` in
    place; returns the format's name."""
    mf = open_writable(path)
    if mf.tags is None:
        mf.add_tags()
    values = {USER_NAMES[a]: v for a, v in change.values().items()} | (extra or {})
    try:
        if isinstance(mf.tags, ID3):
            _id3(mf.tags, values)
            version = 3 if mf.tags.version[:2] == (2, 3) else 4
            if isinstance(mf, AIFF):
                mf.save(v2_version=version, padding=even_padding(place_id3_chunk(path)))
            else:
                mf.save(v2_version=version)
        else:
            for name, value in values.items():
                mf.tags[name] = [value]
            mf.save()
    except MUTAGEN_ERRORS as exc:
        raise TagWriteError(f"mutagen could not save its tags ({exc})") from exc
    return format_name(mf)


def _id3(tags: ID3, values: dict[str, str]) -> None:
    for name, value in values.items():
        tags.setall(f"TXXX:{name}", [TXXX(encoding=3, desc=name, text=[value])])
    description = values.get(USER_NAMES["description"])
    if description:
        comment = COMM(encoding=3, lang="eng", desc="", text=[description])
        tags.setall("COMM::eng", [comment])


def read_user_tags(path: str) -> dict[str, str]:
    """The USER-named fields as mutagen reads them back (upper-case names)."""
    mf = open_writable(path)
    out: dict[str, str] = {}
    if mf.tags is None:
        return out
    names = set(USER_NAMES.values())
    if isinstance(mf.tags, ID3):
        for frame in mf.tags.getall("TXXX"):
            if frame.desc.upper() in names:
                out[frame.desc.upper()] = str(frame.text[0]) if frame.text else ""
        return out
    for key, value in mf.tags.items():
        if key.upper() in names:
            out[key.upper()] = value[0] if isinstance(value, list) else str(value)
    return out
