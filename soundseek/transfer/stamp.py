"""The metadata a transferred copy carries: a fresh BWF `bext` (Description, SoundSeek as
originator, a time reference that follows the region) with the UMID and OriginatorReference
left empty, so Pro Tools does not ask about a stamp it has seen on another file; an iXML
with the UCS/ASWG fields, the accepted category and tags, and where the sound came from;
the same fields as LIST-INFO. AIFF copies get ID3 frames with the same names.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from pathlib import Path

from soundseek.files.riff import BEXT_FIXED
from soundseek.metadata.fields import MetadataChange
from soundseek.metadata.ixml import update_ixml
from soundseek.metadata.riffedit import NewChunks, info_payload, read_layout, write_chunks
from soundseek.metadata.tagedit import write_tags

ORIGINATOR = "SoundSeek"


@dataclass(frozen=True)
class CopyMeta:
    """What to write into one copy."""

    change: MetadataChange
    source_path: str
    time_reference: int  # in the copy's samples since midnight (BWF)
    coding_history: str


def source_fields(meta: CopyMeta) -> dict[str, str]:
    """Where the sound came from, as USER/TXXX fields a librarian can search for later."""
    return {"ORIGINALFILENAME": Path(meta.source_path).name, "ORIGINALPATH": meta.source_path}


def _fixed(text: str, size: int) -> bytes:
    raw = text.encode("utf-8")[:size].decode("utf-8", "ignore").encode("utf-8")
    return raw.ljust(size, b"\x00")


def bext_bytes(meta: CopyMeta, now: float | None = None) -> bytes:
    """EBU Tech 3285 v1: UMID (64 bytes) all zero, OriginatorReference empty."""
    stamp = time.localtime(now if now is not None else time.time())
    description = meta.change.description or meta.change.fx_name
    head = (
        _fixed(description, 256)
        + _fixed(ORIGINATOR, 32)
        + _fixed("", 32)  # OriginatorReference: cleared
        + _fixed(time.strftime("%Y-%m-%d", stamp), 10)
        + _fixed(time.strftime("%H:%M:%S", stamp), 8)
        + struct.pack("<QH", meta.time_reference, 1)
        + bytes(64)  # UMID: cleared
        + bytes(10)  # loudness values: not measured
    )
    head = head.ljust(BEXT_FIXED, b"\x00")
    history = meta.coding_history.encode("ascii", "replace") + b"\r\n"
    return head + history + (b"\x00" if len(history) % 2 else b"")


def wave_chunks(meta: CopyMeta) -> NewChunks:
    ixml = update_ixml(None, meta.change, source_fields(meta))
    if len(ixml) % 2:
        ixml += b"\n"  # even sizes only (see riffedit.new_chunks)
    info = info_payload(None, meta.change) if meta.change else None
    return NewChunks(bext_bytes(meta), ixml, info)


def stamp_wave(bare: str, out: str, meta: CopyMeta) -> None:
    """Write `bare` (as libsndfile made it) into `out` with the metadata chunks added."""
    with open(bare, "rb") as src, open(out, "wb") as dst:
        layout = read_layout(src)
        write_chunks(src, dst, layout, wave_chunks(meta), hashed=False)


def stamp_aiff(path: str, meta: CopyMeta) -> None:
    """ID3 in the AIFF itself (in place: the file is still SoundSeek's temporary copy)."""
    write_tags(path, meta.change, source_fields(meta))
