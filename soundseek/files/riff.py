"""A small strict RIFF/RF64 reader for the BWF `bext` and `iXML` chunks mutagen does not read."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree

MAX_META_CHUNK = 8 * 1024 * 1024
BEXT_FIXED = 602


class RiffError(ValueError):
    """The file is not a well-formed RIFF/RF64 WAVE file."""


@dataclass
class Bext:
    """EBU Tech 3285 broadcast extension fields."""

    description: str = ""
    originator: str = ""
    originator_reference: str = ""
    origination_date: str = ""
    origination_time: str = ""
    time_reference: int = 0
    coding_history: str = ""


@dataclass
class WavChunks:
    """The metadata chunks of a WAVE file that SoundSeek uses."""

    bext: Bext | None = None
    ixml_user: dict[str, str] = field(default_factory=dict)
    ixml_note: str = ""
    problems: list[str] = field(default_factory=list)
    has_id3: bool = False  # an "id3 " chunk: only then is mutagen worth asking for tags


def _text(raw: bytes) -> str:
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()


def parse_bext(data: bytes) -> Bext:
    if len(data) < BEXT_FIXED - 180 - 10:
        raise RiffError(f"bext chunk too short ({len(data)} bytes)")
    low, high = struct.unpack_from("<II", data, 338)
    return Bext(
        description=_text(data[0:256]),
        originator=_text(data[256:288]),
        originator_reference=_text(data[288:320]),
        origination_date=_text(data[320:330]),
        origination_time=_text(data[330:338]),
        time_reference=low | (high << 32),
        coding_history=_text(data[BEXT_FIXED:]) if len(data) > BEXT_FIXED else "",
    )


def parse_ixml(data: bytes) -> tuple[dict[str, str], str]:
    """Return the USER fields (upper-case names) and the NOTE of an iXML document."""
    try:
        root = ElementTree.fromstring(data.split(b"\x00", 1)[0].strip())
    except ElementTree.ParseError as exc:
        raise RiffError(f"iXML is not valid XML: {exc}") from exc
    user: dict[str, str] = {}
    node = root.find("USER")
    if node is not None:
        for child in node:
            text = (child.text or "").strip()
            if text:
                user[child.tag.upper()] = text
    note = (root.findtext("NOTE") or "").strip()
    return user, note


def chunk_table(fh: BinaryIO) -> list[tuple[bytes, int, int]]:
    """List (id, offset, size) of the top-level chunks; RF64 sizes come from ds64."""
    head = fh.read(12)
    if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        raise RiffError("not a RIFF WAVE file")
    end = fh.seek(0, 2)
    pos, out, ds64_data = 12, [], None
    while pos + 8 <= end:
        fh.seek(pos)
        cid, size = struct.unpack("<4sI", fh.read(8))
        if cid == b"ds64":
            ds64_data = struct.unpack("<QQ", fh.read(16))[1]
        if cid == b"data" and size == 0xFFFFFFFF and ds64_data is not None:
            size = ds64_data
        out.append((cid, pos + 8, size))
        pos += 8 + size + (size & 1)
    return out


def read_wav_chunks(fh: BinaryIO) -> WavChunks:
    """Read bext and iXML; a broken chunk is reported in `problems` and spoils no other."""
    result = WavChunks()
    for cid, offset, size in chunk_table(fh):
        result.has_id3 = result.has_id3 or cid.lower() == b"id3 "
        if cid not in (b"bext", b"iXML") or size > MAX_META_CHUNK:
            continue
        fh.seek(offset)
        data = fh.read(size)
        try:
            if cid == b"bext":
                result.bext = parse_bext(data)
            else:
                result.ixml_user, result.ixml_note = parse_ixml(data)
        except RiffError as exc:
            result.problems.append(str(exc))
    return result
