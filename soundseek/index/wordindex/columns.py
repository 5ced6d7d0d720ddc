"""The word index's columns: which of a file's words go in which weighted column, and what a
match of the query words reports (the file and, per query word, the alternative that scored)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from soundseek.index.tables.records import FileRecord
from soundseek.metadata.text import words
from soundseek.words.query_plan import Alternative

FIELDS = ("filename", "description", "keywords", "category", "subcategory", "folder", "library")
PARTS = "parts"  # pieces of run-together words of any field
COLUMNS = (*FIELDS, PARTS)


@dataclass
class WordMatch:
    """A file the words found: its score and which alternative matched each query word."""

    doc: int
    score: float
    matched: dict[str, Alternative]  # query word → the alternative that scored


def field_texts(rec: FileRecord) -> tuple[str, ...]:
    """The record's words per field (in FIELDS order). Words of its search text found in no
    field (comments, genre and other tags) count as description."""
    folders = "/".join(rec.reldir.split("/")[-2:]) or rec.root_name
    texts = [
        os.path.splitext(os.path.basename(rec.relpath))[0], f"{rec.fx_name} {rec.description}",
        rec.keywords, f"{rec.category} {rec.catid}",
        rec.subcategory, folders.replace("/", " "), rec.library,
    ]  # fmt: skip
    seen = set(words(" ".join(texts)))
    rest = [w for w in words(rec.text) if w not in seen]
    if rest:
        texts[1] = f"{texts[1]} {' '.join(dict.fromkeys(rest))}"
    return tuple(texts)
