"""The field table: every name a format gives a field, pinned as it was before the table
made them, and the typed records held to the table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from soundseek.metadata.fields import (
    ASWG_NAMES,
    BEXT,
    DECODED,
    INFO_NAMES,
    SEARCHED,
    STORED,
    USER_NAMES,
    USER_READ,
    WRITE_ONLY,
    check_declares,
)
from soundseek.metadata.reader import FileMeta


def test_names_each_format_reads_and_writes():
    assert USER_NAMES == {
        "catid": "CATID", "category": "CATEGORY", "subcategory": "SUBCATEGORY",
        "category_full": "CATEGORYFULL", "fx_name": "FXNAME", "description": "DESCRIPTION",
        "keywords": "KEYWORDS", "designer": "DESIGNER", "library": "LIBRARY",
        "creator_id": "CREATORID", "source_id": "SOURCEID",
    }  # fmt: skip
    assert ASWG_NAMES == {
        "catid": "catId", "category": "category", "subcategory": "subCategory",
        "fx_name": "fxName", "library": "library", "creator_id": "creatorId",
        "source_id": "sourceId", "designer": "originator", "description": "notes",
    }  # fmt: skip
    assert INFO_NAMES == {
        "fx_name": b"INAM", "description": b"ICMT", "keywords": b"IKEY", "category": b"IGNR",
        "designer": b"IART", "library": b"IPRD",
    }  # fmt: skip
    assert USER_READ == {
        "catid": "CATID", "description": "DESCRIPTION", "keywords": "KEYWORDS",
        "category": "CATEGORY", "subcategory": "SUBCATEGORY", "fx_name": "FXNAME",
        "library": "LIBRARY", "designer": "DESIGNER", "notes": "NOTES",
    }  # fmt: skip
    assert sorted(WRITE_ONLY) == ["category_full", "creator_id", "source_id"]
    assert DECODED == ("duration", "samplerate", "channels", "bit_depth", "format", "subtype")
    assert BEXT == ("description", "originator", "origination_date")


def test_search_text_order():
    """The search text is stored and phrases match across its fields: its order is fixed."""
    assert SEARCHED == (
        "description", "keywords", "category", "subcategory", "fx_name", "library", "notes",
    )  # fmt: skip
    meta = FileMeta(path="/lib/Doors/Wood/a.wav", **{n: n.upper() for n in SEARCHED})
    assert meta.search_text() == "a wood doors " + " ".join(n.upper() for n in SEARCHED)


def test_a_record_that_drifts_from_the_table_fails_naming_the_field():
    @dataclass
    class Short:
        duration: float = 0.0

    with pytest.raises(TypeError, match=r"samplerate: int = 0"):
        check_declares(Short, STORED)

    @dataclass
    class Mistyped:
        duration: int = 0

    with pytest.raises(TypeError, match=r"duration: float = 0.0"):
        check_declares(Mistyped, STORED[:1])
