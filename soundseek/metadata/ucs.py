"""The Universal Category System: the shipped CatID list and UCS filename parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from soundseek.paths import resources_dir


@dataclass(frozen=True)
class UcsCategory:
    """One UCS CatID with its category, subcategory and synonyms."""

    catid: str
    category: str
    subcategory: str
    short: str
    explanation: str
    synonyms: tuple[str, ...]

    @property
    def full(self) -> str:
        return f"{self.category}-{self.subcategory}"


@dataclass(frozen=True)
class UcsName:
    """The blocks of a UCS-conformant filename."""

    catid: str
    user_category: str
    fx_name: str
    creator_id: str
    source_id: str
    user_data: str


class UcsCatalog:
    """CatID lookup: exact in spelling and case, as the UCS convention demands."""

    def __init__(self, categories: list[UcsCategory], version: str) -> None:
        self.version = version
        self.by_catid = {c.catid: c for c in categories}
        self.categories = sorted({c.category for c in categories})

    def __len__(self) -> int:
        return len(self.by_catid)

    def get(self, catid: str) -> UcsCategory | None:
        return self.by_catid.get(catid)

    def matches(self, catid: str, term: str) -> bool:
        """Whether a CatID falls under a filter term: a category name, a CatID or its prefix."""
        cat = self.by_catid.get(catid)
        t = term.upper()
        if cat is None:
            return False
        return catid.upper().startswith(t) or cat.category.startswith(t) or cat.full.startswith(t)

    def parse_filename(self, filename: str) -> UcsName | None:
        """Parse `CatID(-UserCategory)_FXName_CreatorID_SourceID_UserData`; None if not UCS."""
        stem = Path(filename).stem
        blocks = stem.split("_")
        if len(blocks) < 2:
            return None
        catid, _, user_cat = blocks[0].partition("-")
        if catid not in self.by_catid:
            return None
        rest = [*blocks[1:], "", "", ""]
        return UcsName(catid, user_cat, rest[0], rest[1], rest[2], "_".join(blocks[4:]))


@lru_cache(maxsize=4)
def load_catalog(path: str | None = None) -> UcsCatalog:
    """Load the shipped UCS list once per process."""
    src = Path(path) if path else resources_dir() / "ucs" / "ucs_categories.json"
    raw = json.loads(src.read_text(encoding="utf-8"))
    cats = [
        UcsCategory(
            c["CatID"],
            c["Category"],
            c["SubCategory"],
            c["CatShort"],
            c.get("Explanations", ""),
            tuple(c.get("Synonyms", ())),
        )
        for c in raw["categories"]
    ]
    return UcsCatalog(cats, raw.get("version", ""))
