"""A content fingerprint of the audio alone: it survives renames, moves and metadata edits.

Vectors, envelopes, tags and categories are kept by this hash, so writing a tag into a file
must not change it (a changed hash means a re-embed and lost tags). Where SoundSeek knows the
container it hashes only the audio payload and the header that says how to read it (format
family, `fmt `/`COMM`/codec id header, payload length, eight evenly spread 32 KiB slices);
metadata chunks, tags and padding around the payload never enter. Anything else, and any file
whose header does not parse, gets the whole-file hash of SoundSeek 0.2 (`whole_file_hash`), so
nothing becomes unreadable. Only headers and slices are read: files live on network drives.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

from soundseek.files.riff import RiffError, chunk_table

SAMPLES = 8
SAMPLE_BYTES = 32 * 1024
_READ_WHOLE = SAMPLES * SAMPLE_BYTES + 64 * 1024  # at most this: read at once, parse in memory
_PERSON = b"soundseek-audio"  # keeps payload hashes apart from whole-file hashes
_MAX_CHUNKS = 4096  # a header walk stops here (a hostile file cannot make it loop long)
_MAX_OGG_HEADER_PAGES = 8192  # ~512 MB of comment pages: cover art is far below
_OGG_FIELDS = slice(18, 26)  # page sequence number and CRC: renumbered when headers grow
_OGG_LEAD = 26  # bytes read before an Ogg slice, so a page header cut by it is still masked
_MPEG_SUFFIXES = frozenset({".mp3", ".mp2", ".mpa", ".mpga"})
_W64_SUFFIX = bytes.fromhex("f3acd3118cd100c04f8edb8a")


class _Unparsed(ValueError):
    """The header is not one this module understands: use the whole-file hash."""


@dataclass(frozen=True)
class AudioSpan:
    """Where a file's audio payload lies, and what identifies how to read it."""

    kind: bytes  # container family: a WAV rewritten as RF64 keeps its hash
    start: int
    end: int
    header: bytes = b""  # fmt/COMM/codec id header: same samples at another rate differ
    ogg: bool = False  # mask each page's sequence number and CRC


def content_hash(path: str) -> str:
    """The fingerprint SoundSeek keys a content by: of the audio payload where the format is
    known, else of the whole file (`whole_file_hash`)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size <= _READ_WHOLE:  # one request instead of a header walk and a payload read
            fh = io.BytesIO(fh.read())
        span = audio_span(fh, size, os.path.splitext(path)[1])
        if span is None:
            return _whole_file(fh, size)
        return _span_hash(fh, span)


def whole_file_hash(path: str) -> str:
    """The fingerprint of SoundSeek 0.2 and earlier: blake2b over the size and eight evenly
    spread 32 KiB slices of the whole file. Still used for formats without a payload parser;
    the index migration and the metadata writer use it to recognise hashes made that way."""
    with open(path, "rb") as fh:
        return _whole_file(fh, os.fstat(fh.fileno()).st_size)


def audio_span(fh: BinaryIO, size: int, suffix: str = "") -> AudioSpan | None:
    """The audio payload of an open file, or None where the header is unknown or broken.
    `suffix` (".mp3") lets an MPEG stream without an ID3 tag be recognised: a frame sync
    alone is too weak a sign (random bytes pass it one time in a few thousand)."""
    try:
        fh.seek(0)
        head = fh.read(16)
        span = _sniff(fh, head, size, suffix.lower() in _MPEG_SUFFIXES)
    except (_Unparsed, RiffError, struct.error, OSError, IndexError):
        return None
    if span is None or not 0 <= span.start < span.end <= size:
        return None
    return span


def _sniff(fh: BinaryIO, head: bytes, size: int, mpeg_name: bool) -> AudioSpan | None:
    magic = head[:4]
    if magic in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return _wave_span(fh, size)
    if magic == b"riff" and head[4:16] == bytes.fromhex("2e91cf11a5d628db04c10000"):
        return _w64_span(fh, size)
    if magic == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _aiff_span(fh, size)
    if magic == b"fLaC":
        return _flac_span(fh, 0, size)
    if magic == b"OggS":
        return _ogg_span(fh, size)
    if head[:3] == b"ID3" or (mpeg_name and _mpeg_sync(head)):
        start = _skip_id3v2(fh, 0, size)
        fh.seek(start)
        if fh.read(4) == b"fLaC":  # some taggers put ID3v2 before a FLAC stream
            return _flac_span(fh, start, size)
        return AudioSpan(b"mpeg", start, _strip_trailing_tags(fh, start, size))
    return None


def _mpeg_sync(head: bytes) -> bool:
    """An MPEG audio frame header: sync, and no reserved version, layer, bitrate or rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


# -- RIFF WAVE, RF64, BW64, Sony Wave64 ----------------------------------------------------------
def _wave_span(fh: BinaryIO, size: int) -> AudioSpan:
    """The `data` chunk (RF64/BW64: its size from ds64, which may pass 4 GB)."""
    fh.seek(0)
    chunks = chunk_table(fh)
    fmt = next((c for c in chunks if c[0] == b"fmt "), None)
    data = next((c for c in chunks if c[0] == b"data"), None)
    if fmt is None or data is None or data[1] + data[2] > size or fmt[2] > 1024:
        raise _Unparsed("no readable fmt and data chunks")
    return AudioSpan(b"wave", data[1], data[1] + data[2], _read_at(fh, fmt[1], fmt[2]))


def _w64_span(fh: BinaryIO, size: int) -> AudioSpan:
    """Sony Wave64: 16-byte GUID ids, 64-bit sizes that include the 24-byte chunk header."""
    pos, fmt = 40, None
    for _ in range(_MAX_CHUNKS):
        if pos + 24 > size:
            break
        guid, length = struct.unpack("<16sQ", _read_at(fh, pos, 24))
        if length < 24 or guid[4:] != _W64_SUFFIX:
            raise _Unparsed("bad Wave64 chunk")
        if guid[:4] == b"fmt ":
            fmt = _read_at(fh, pos + 24, min(length - 24, 1024))
        elif guid[:4] == b"data" and fmt is not None:
            return AudioSpan(b"wave", pos + 24, pos + length, fmt)
        pos += (length + 7) & ~7
    raise _Unparsed("no Wave64 data chunk")


# -- AIFF, AIFF-C ----------------------------------------------------------------------------------
def _aiff_span(fh: BinaryIO, size: int) -> AudioSpan:
    """The sample frames of the SSND chunk (after its offset/block-size fields)."""
    pos, comm = 12, None
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > size:
            break
        cid, length = struct.unpack(">4sI", _read_at(fh, pos, 8))
        if cid == b"COMM":
            comm = _read_at(fh, pos + 8, min(length, 1024))
        elif cid == b"SSND" and comm is not None:
            (offset,) = struct.unpack(">I", _read_at(fh, pos + 8, 4))
            start, end = pos + 16 + offset, pos + 8 + length
            if end > size or start > end:
                raise _Unparsed("SSND chunk runs past the end")
            return AudioSpan(b"aiff", start, end, comm)
        pos += 8 + length + (length & 1)
    raise _Unparsed("no COMM and SSND chunks")


# -- FLAC -----------------------------------------------------------------------------------------
def _flac_span(fh: BinaryIO, start: int, size: int) -> AudioSpan:
    """From the first frame (after the metadata blocks, padding included) to the end, less
    trailing tags: tag edits resize the blocks and the padding, never the frames."""
    pos = start + 4
    for _ in range(_MAX_CHUNKS):
        block = _read_at(fh, pos, 4)
        pos += 4 + int.from_bytes(block[1:4], "big")
        if block[0] & 0x80:
            break
    else:
        raise _Unparsed("too many FLAC metadata blocks")
    sync = _read_at(fh, pos, 2)
    if sync[0] != 0xFF or sync[1] & 0xFE != 0xF8:
        raise _Unparsed("no FLAC frame after the metadata blocks")
    return AudioSpan(b"flac", pos, _strip_trailing_tags(fh, pos, size))


# -- MPEG audio: ID3v2 before, ID3v1 / APEv2 / Lyrics3 / appended ID3v2 after ----------------------
def _skip_id3v2(fh: BinaryIO, pos: int, size: int) -> int:
    """Past every ID3v2 tag at `pos` (v2.4 with a footer is 10 bytes longer)."""
    for _ in range(16):
        head = _read_at(fh, pos, 10, exact=False)
        if len(head) < 10 or head[:3] != b"ID3":
            return pos
        pos += 10 + _syncsafe(head[6:10]) + (10 if head[3] >= 4 and head[5] & 0x10 else 0)
        if pos > size:
            raise _Unparsed("ID3v2 tag runs past the end")
    return pos


def _strip_trailing_tags(fh: BinaryIO, start: int, end: int) -> int:
    """The end of the audio before tags appended to it, in any order and number."""
    for _ in range(8):
        cut = _trailing_tag_start(fh, start, end)
        if cut is None:
            return end
        end = cut
    return end


def _trailing_tag_start(fh: BinaryIO, start: int, end: int) -> int | None:
    if end - start >= 128 and _read_at(fh, end - 128, 3) == b"TAG":
        return end - 128
    if end - start >= 32:
        foot = _read_at(fh, end - 32, 32)
        if foot[:8] == b"APETAGEX":
            length, flags = struct.unpack("<I4xI", foot[12:24])
            cut = end - length - (32 if flags & 0x80000000 else 0)
            return cut if start <= cut < end else None
    if end - start >= 10:
        foot = _read_at(fh, end - 10, 10)
        if foot[:3] == b"3DI":  # an ID3v2.4 tag appended with its footer
            cut = end - 20 - _syncsafe(foot[6:10])
            return cut if start <= cut < end else None
    if end - start >= 15 and _read_at(fh, end - 9, 9) == b"LYRICS200":
        digits = _read_at(fh, end - 15, 6)
        if digits.isdigit():
            cut = end - 15 - int(digits)
            return cut if start <= cut < end else None
    return None


def _syncsafe(raw: bytes) -> int:
    if any(b & 0x80 for b in raw):
        raise _Unparsed("bad ID3 size")
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


# -- Ogg: Vorbis, Opus, FLAC ---------------------------------------------------------------------
def _ogg_span(fh: BinaryIO, size: int) -> AudioSpan:
    """The pages after the header packets (3 for Vorbis, 2 for Opus, 1 + n for Ogg FLAC),
    which begin on a fresh page. A comment edit can change how many pages the headers take,
    and then every later page's sequence number and CRC: those are masked when hashing."""
    pos, done, need, ident, serial = 0, 0, None, b"", None
    for _ in range(_MAX_OGG_HEADER_PAGES):
        head = _read_at(fh, pos, 27)
        if head[:4] != b"OggS" or head[4] != 0:
            raise _Unparsed("not an Ogg page")
        lacing = _read_at(fh, pos + 27, head[26])
        page_serial = head[14:18]
        if serial is not None and page_serial != serial:
            raise _Unparsed("several logical streams")
        if need is None:
            serial = page_serial
            ident = _first_packet(fh, pos + 27 + head[26], lacing)
            need = _ogg_header_packets(ident)
        ends = [i for i, n in enumerate(lacing) if n < 255]
        if done + len(ends) >= need:
            after = pos + 27 + head[26] + sum(lacing)
            start = _first_audio_page(fh, after, size, _granule(head))
            return AudioSpan(b"ogg", start, size, ident, ogg=True)
        done += len(ends)
        pos += 27 + head[26] + sum(lacing)
    raise _Unparsed("too many Ogg header pages")


def _granule(head: bytes) -> int:
    return int.from_bytes(head[6:14], "little", signed=True)


def _first_audio_page(fh: BinaryIO, pos: int, size: int, header_granule: int) -> int:
    """Where the hashed audio starts: the first page past the headers whose granule position
    is beyond the last header page's. Some encoders put the first audio packets on the last
    header page; mutagen's comment edit then repaginates them onto pages of their own with
    granule 0. Those first packets are left out, so the hash is the same either way."""
    threshold = max(header_granule, 0)
    for _ in range(64):
        if pos >= size:
            break
        head = _read_at(fh, pos, 27)
        if head[:4] != b"OggS":
            raise _Unparsed("not an Ogg page")
        if _granule(head) > threshold:
            return pos
        lacing = _read_at(fh, pos + 27, head[26])
        pos += 27 + head[26] + sum(lacing)
    raise _Unparsed("no audio page after the headers")


def _first_packet(fh: BinaryIO, body: int, lacing: bytes) -> bytes:
    length = 0
    for n in lacing:
        length += n
        if n < 255:
            break
    return _read_at(fh, body, min(length, 1024))


def _ogg_header_packets(ident: bytes) -> int:
    if ident.startswith(b"\x01vorbis"):
        return 3
    if ident.startswith(b"OpusHead"):
        return 2
    if ident.startswith(b"\x7fFLAC") and len(ident) >= 9:
        extra = int.from_bytes(ident[7:9], "big")  # 0: unknown, so unsafe to guess
        if extra:
            return 1 + extra
    raise _Unparsed("an Ogg codec without a known header count")


# -- hashing --------------------------------------------------------------------------------------
def _span_hash(fh: BinaryIO, span: AudioSpan) -> str:
    h = hashlib.blake2b(digest_size=16, person=_PERSON)
    h.update(span.kind.ljust(8, b"\x00"))
    h.update(len(span.header).to_bytes(4, "little") + span.header)
    length = span.end - span.start
    h.update(length.to_bytes(8, "little"))
    for offset, n in _slices(length):
        if span.ogg:
            _hash_ogg_slice(h, fh, span.start, span.start + offset, n)
        else:
            h.update(_read_at(fh, span.start + offset, n))
    return h.hexdigest()


def _slices(length: int) -> list[tuple[int, int]]:
    """(offset, length) of what is hashed: all of it when small, else 8 spread slices."""
    if length <= SAMPLES * SAMPLE_BYTES:
        return [(0, length)]
    step = (length - SAMPLE_BYTES) // (SAMPLES - 1)
    return [(i * step, SAMPLE_BYTES) for i in range(SAMPLES)]


def _hash_ogg_slice(h, fh: BinaryIO, start: int, offset: int, n: int) -> None:
    """Hash a slice with the sequence-number and CRC fields of every page header in it as
    zeros. It is read with a lead-in, so a header that begins just before the slice is found
    too; the pieces between fields are hashed from the buffer, not copied."""
    lead = min(offset - start, _OGG_LEAD)
    data = _read_at(fh, offset - lead, lead + n)
    view, pos = memoryview(data), lead
    i = data.find(b"OggS")
    while i != -1:
        a, b = max(i + _OGG_FIELDS.start, pos), min(i + _OGG_FIELDS.stop, len(data))
        if a < b:
            h.update(view[pos:a])
            h.update(bytes(b - a))
            pos = b
        i = data.find(b"OggS", i + 4)
    h.update(view[pos:])


def _whole_file(fh: BinaryIO, size: int) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    fh.seek(0)
    if size <= SAMPLES * SAMPLE_BYTES:
        h.update(fh.read())
    else:
        step = (size - SAMPLE_BYTES) // (SAMPLES - 1)
        for i in range(SAMPLES):
            fh.seek(i * step)
            h.update(fh.read(SAMPLE_BYTES))
    return h.hexdigest()


def _read_at(fh: BinaryIO, offset: int, n: int, exact: bool = True) -> bytes:
    fh.seek(offset)
    data = fh.read(n)
    if exact and len(data) != n:
        raise _Unparsed(f"file ends {n - len(data)} bytes early")
    return data
