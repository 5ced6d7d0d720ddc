"""The metadata field table: every field SoundSeek reads from a file, stores or writes, one line
each, with its plain type and the name each format gives it. The file record's metadata
(`FileFields`), the files table's metadata columns, what describing a file copies, the names
the reader looks up and the names the writers set are all made from `FIELDS`.

The names follow what Soundminer, BaseHead and Soundly read: iXML `USER` (upper case), the
ASWG block (camel case), RIFF INFO, Vorbis comments and ID3 `TXXX` frames named like the iXML
USER fields (mutagen and FFmpeg read them back under the same names).

Adding a field: a line in `FIELDS`; if it is stored, its typed attribute in `FileFields`
(import fails, naming what is missing, until both agree); if it is written, its attribute in
`MetadataChange` (likewise). The index maps the plain types to its column types.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any


class Home(Enum):
    """Where a field's value lives."""

    STORED = "stored"  # on FileMeta and on the file record: a column of the files table
    READ = "read"  # read into FileMeta for its words (search text), never stored
    WRITTEN = "written"  # only ever written into files (MetadataChange)


@dataclass(frozen=True)
class Field:
    """One metadata field: its attribute name, plain type, and where it comes from and goes."""

    name: str
    kind: type = str  # str, int or float: the index maps it to a column type
    decoded: bool = False  # measured by the audio decoder (audio.sources.AudioInfo, same name)
    bext: bool = False  # from the BWF bext chunk (files.riff.Bext, same name); wins over USER
    user: str = ""  # iXML USER name, which is also the Vorbis comment and ID3 TXXX name
    aswg: str = ""  # name in the iXML ASWG block (written)
    info: bytes = b""  # RIFF LIST-INFO id (written)
    home: Home = Home.STORED
    written: bool = False  # SoundSeek writes it (MetadataChange)
    searched: int = 0  # its place in the search text after the name's words (0: not there)


# fmt: off
FIELDS: tuple[Field, ...] = (
    # what the decoder measures
    Field("duration", float, decoded=True),
    Field("samplerate", int, decoded=True),
    Field("channels", int, decoded=True),
    Field("bit_depth", int, decoded=True),
    Field("format", decoded=True),
    Field("subtype", decoded=True),
    # what the file says about itself
    Field("catid", user="CATID", aswg="catId", written=True),
    Field("category", user="CATEGORY", aswg="category", info=b"IGNR", written=True, searched=3),
    Field("subcategory", user="SUBCATEGORY", aswg="subCategory", written=True, searched=4),
    Field("fx_name", user="FXNAME", aswg="fxName", info=b"INAM", written=True, searched=5),
    Field("description", bext=True, user="DESCRIPTION", aswg="notes", info=b"ICMT", written=True,
          searched=1),
    Field("keywords", user="KEYWORDS", info=b"IKEY", written=True, searched=2),
    Field("library", user="LIBRARY", aswg="library", info=b"IPRD", written=True, searched=6),
    Field("designer", user="DESIGNER", aswg="originator", info=b"IART", written=True),
    Field("originator", bext=True),
    Field("origination_date", bext=True),
    Field("warning"),  # the reader's own: what it could not read, or a CatID not in UCS
    # read for its words only
    Field("notes", user="NOTES", home=Home.READ, searched=7),
    # written only: the UCS fields that follow from an accepted category, and the user's ids
    Field("category_full", user="CATEGORYFULL", home=Home.WRITTEN, written=True),
    Field("creator_id", user="CREATORID", aswg="creatorId", home=Home.WRITTEN, written=True),
    Field("source_id", user="SOURCEID", aswg="sourceId", home=Home.WRITTEN, written=True),
)
# fmt: on

STORED = tuple(f for f in FIELDS if f.home is Home.STORED)  # in the files table's column order
STORED_NAMES = tuple(f.name for f in STORED)
DECODED = tuple(f.name for f in FIELDS if f.decoded)
BEXT = tuple(f.name for f in FIELDS if f.bext)
USER_READ = {f.name: f.user for f in FIELDS if f.user and f.home is not Home.WRITTEN}
USER_NAMES = {f.name: f.user for f in FIELDS if f.written}  # iXML <USER>, Vorbis, ID3 TXXX
ASWG_NAMES = {f.name: f.aswg for f in FIELDS if f.written and f.aswg}  # the ASWG block in iXML
INFO_NAMES = {f.name: f.info for f in FIELDS if f.written and f.info}  # RIFF LIST-INFO
WRITE_ONLY = frozenset(f.name for f in FIELDS if f.home is Home.WRITTEN)
SEARCHED = tuple(f.name for f in sorted(FIELDS, key=lambda f: f.searched) if f.searched)

TAG_ALIASES = {  # ID3, Vorbis comments, MP4 atoms, APEv2 (WavPack), ASF (WMA), lower-cased
    "title": ("title", "tit2", "©nam", "nam"),
    "artist": ("artist", "tpe1", "©art", "author"),
    "album": ("album", "talb", "©alb", "wm/albumtitle"),
    "genre": ("genre", "tcon", "©gen", "wm/genre"),
    "comment": ("comment", "comm", "description", "©cmt"),
}  # a player's tags: kept in FileMeta.tags for their words, not fields of their own


@dataclass
class FileFields:
    """The stored fields, typed: what FileMeta (metadata.reader) and FileRecord (index) both
    carry. All have defaults, so a record may put its own required fields before them."""

    duration: float = 0.0
    samplerate: int = 0
    channels: int = 0
    bit_depth: int = 0
    format: str = ""
    subtype: str = ""
    catid: str = ""
    category: str = ""
    subcategory: str = ""
    fx_name: str = ""
    description: str = ""
    keywords: str = ""
    library: str = ""
    designer: str = ""
    originator: str = ""
    origination_date: str = ""
    warning: str = ""


def stored_values(source: FileFields) -> dict[str, Any]:
    """The stored fields of a record or of a file's metadata, by name."""
    return {name: getattr(source, name) for name in STORED_NAMES}


@dataclass(frozen=True)
class MetadataChange:
    """The values to write; an empty string leaves that field as the file has it."""

    catid: str = ""
    category: str = ""
    subcategory: str = ""
    category_full: str = ""
    fx_name: str = ""
    description: str = ""
    keywords: str = ""
    designer: str = ""
    library: str = ""
    creator_id: str = ""
    source_id: str = ""

    def values(self) -> dict[str, str]:
        """The fields this change sets, by attribute name."""
        return {k: v for k, v in asdict(self).items() if v}

    def __bool__(self) -> bool:
        return bool(self.values())


def _declared(cls: type) -> dict[str, tuple[str, object]]:
    """Each field's type as written (a string under postponed annotations) and default."""
    return {
        f.name: (f.type if isinstance(f.type, str) else f.type.__name__, f.default)
        for f in dataclasses.fields(cls)
    }


def check_declares(cls: type, table: tuple[Field, ...], ordered: bool = True) -> None:
    """Raise TypeError unless the dataclass declares exactly the table's fields, each with the
    table's type and its empty value as default (and in the table's order, if `ordered`)."""
    want = {f.name: (f.kind.__name__, f.kind()) for f in table}
    have = _declared(cls)
    if have != want or (ordered and list(have) != list(want)):
        missing = [f"{n}: {t} = {d!r}" for n, (t, d) in want.items() if have.get(n) != (t, d)]
        extra = [n for n in have if n not in want]
        raise TypeError(
            f"{cls.__name__} and metadata.fields.FIELDS disagree: declare {missing or 'nothing'}"
            f", drop {extra or 'nothing'}, in the table's order"
        )


check_declares(FileFields, STORED)
check_declares(MetadataChange, tuple(f for f in FIELDS if f.written), ordered=False)
