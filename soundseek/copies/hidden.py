"""Copies hidden from results: kept by each file's index key (its library folder's id and its
path inside it), so a library that moved or is mounted elsewhere keeps them, in one small
versioned JSON document of the library's place (`hidden_copies.json`: beside the tables, so
every machine of a shared library sees the same hides).

    {"format": 1, "files": [["<root id>", "<relpath>"], ...]}

Every change is one atomic read-modify-write of the document (`Doc.update`). A document of a
newer format is read (its `files`, if it has them) but never rewritten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from soundseek.errors import SoundSeekError
from soundseek.index.places.place import Doc
from soundseek.index.tables.records import FileKey

log = logging.getLogger(__name__)

DOC_NAME = "hidden_copies.json"
FORMAT = 1


class HiddenCopies:
    """The files hidden from results, by index key."""

    def __init__(self, doc: Doc) -> None:
        self._doc = doc

    def hidden_keys(self) -> set[FileKey]:
        try:
            return _keys(self._doc.read())
        except (OSError, ValueError) as exc:  # unreadable: nothing is hidden, said once
            log.warning("hidden copies cannot be read (%s); none are hidden", exc)
            return set()

    def hide(self, keys: Iterable[FileKey]) -> None:
        add = set(keys)
        self._change(lambda now: now | add)

    def unhide(self, keys: Iterable[FileKey]) -> None:
        drop = set(keys)
        self._change(lambda now: now - drop)

    def _change(self, edit) -> None:
        def update(old: dict | None) -> dict:
            if old is not None and old.get("format", FORMAT) > FORMAT:
                raise SoundSeekError(f"{DOC_NAME} was written by a newer SoundSeek; "
                                     "update SoundSeek to change hidden copies")  # fmt: skip
            files = sorted(edit(_keys(old)))
            return {"format": FORMAT, "files": [[k.root_id, k.relpath] for k in files]}

        try:
            self._doc.update(update)
        except (OSError, ValueError) as exc:
            raise SoundSeekError(f"cannot change the hidden copies ({exc})") from exc


def _keys(doc: dict | None) -> set[FileKey]:
    out = set()
    for item in (doc or {}).get("files", []):
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            out.add(FileKey(item[0], item[1]))
    return out
