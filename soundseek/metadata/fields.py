"""What SoundSeek writes into a file, and the field names each format's readers expect.

The names follow what Soundminer, BaseHead and Soundly read: iXML `USER` (upper case), the
ASWG block (camel case), RIFF INFO, Vorbis comments and ID3 `TXXX` frames named like the iXML
USER fields (mutagen and FFmpeg read them back under the same names).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


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


USER_NAMES = {  # iXML <USER>, and Vorbis comment / ID3 TXXX names
    "catid": "CATID",
    "category": "CATEGORY",
    "subcategory": "SUBCATEGORY",
    "category_full": "CATEGORYFULL",
    "fx_name": "FXNAME",
    "description": "DESCRIPTION",
    "keywords": "KEYWORDS",
    "designer": "DESIGNER",
    "library": "LIBRARY",
    "creator_id": "CREATORID",
    "source_id": "SOURCEID",
}
ASWG_NAMES = {  # the Audio Software Working Group block inside iXML
    "catid": "catId",
    "category": "category",
    "subcategory": "subCategory",
    "fx_name": "fxName",
    "library": "library",
    "creator_id": "creatorId",
    "source_id": "sourceId",
    "designer": "originator",
    "description": "notes",
}
INFO_NAMES = {  # RIFF LIST-INFO: what Explorer, Reaper and most DAWs show
    "fx_name": b"INAM",
    "description": b"ICMT",
    "keywords": b"IKEY",
    "category": b"IGNR",
    "designer": b"IART",
    "library": b"IPRD",
}
