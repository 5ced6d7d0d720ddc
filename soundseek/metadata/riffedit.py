"""Rewrite a WAVE file (RIFF, RF64, BW64) with new bext, iXML and LIST-INFO metadata.

The new file is written as a stream into another handle: every chunk SoundSeek does not own
is copied byte for byte, in its place, with its pad byte; the audio data is copied and hashed
on the way so the caller can prove it unchanged. Only the bext Description is ours: the rest
of an existing bext chunk (originator, time reference, UMID, coding history) is kept.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import BinaryIO

from soundseek.files.riff import BEXT_FIXED, RiffError, chunk_table
from soundseek.metadata.fields import INFO_NAMES, MetadataChange
from soundseek.metadata.ixml import update_ixml

COPY_BLOCK = 4 * 1024 * 1024
OWNED = (b"bext", b"iXML", b"ds64")
MAX_RIFF = 0xFFFFFFFF


@dataclass(frozen=True)
class Chunk:
    cid: bytes
    start: int  # the 8-byte header
    size: int  # payload bytes, as declared (RF64 data: from ds64)
    end: int  # where the next chunk starts (after the pad byte)

    @property
    def payload(self) -> int:
        return self.start + 8


@dataclass(frozen=True)
class WaveLayout:
    form: bytes  # b"RIFF", b"RF64" or b"BW64"
    chunks: list[Chunk]
    length: int  # of the file

    def find(self, cid: bytes) -> Chunk | None:
        return next((c for c in self.chunks if c.cid == cid), None)

    def info_list(self, fh: BinaryIO) -> Chunk | None:
        for c in self.chunks:
            if c.cid == b"LIST" and c.size >= 4:
                fh.seek(c.payload)
                if fh.read(4) == b"INFO":
                    return c
        return None


def read_layout(fh: BinaryIO) -> WaveLayout:
    """The chunk list of a well-formed WAVE file; a damaged one is refused, not repaired."""
    fh.seek(0)
    form = fh.read(4)
    fh.seek(0)
    table = chunk_table(fh)
    length = fh.seek(0, 2)
    chunks = [Chunk(cid, off - 8, size, min(off + size + (size & 1), length))
              for cid, off, size in table]  # fmt: skip
    data = next((c for c in chunks if c.cid == b"data"), None)
    if data is None:
        raise RiffError("it has no data chunk")
    if data.payload + data.size > length:
        raise RiffError("its data chunk runs past the end of the file (truncated?)")
    return WaveLayout(form, chunks, length)


def _read(fh: BinaryIO, chunk: Chunk) -> bytes:
    fh.seek(chunk.payload)
    return fh.read(chunk.size)


def _bext(existing: bytes | None, description: str) -> bytes:
    raw = description.encode("utf-8")[:256].decode("utf-8", "ignore").encode("utf-8")
    field = raw.ljust(256, b"\x00")
    if existing is None:
        return field + bytes(BEXT_FIXED - 256)
    if len(existing) < 256:
        raise RiffError(f"its bext chunk is too short ({len(existing)} bytes); not rewritten")
    return field + existing[256:]


def info_payload(existing: bytes | None, change: MetadataChange) -> bytes:
    """LIST-INFO payload with our fields set; other INFO entries kept in their order."""
    entries: list[tuple[bytes, bytes]] = []
    body = existing[4:] if existing else b""
    pos = 0
    while pos + 8 <= len(body):
        cid, size = struct.unpack_from("<4sI", body, pos)
        entries.append((cid, body[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    values = change.values()
    for attr, cid in INFO_NAMES.items():
        if attr in values:
            text = values[attr].encode("utf-8") + b"\x00"
            at = next((i for i, (c, _) in enumerate(entries) if c == cid), None)
            if at is None:
                entries.append((cid, text))
            else:
                entries[at] = (cid, text)
    out = [b"INFO"]
    for cid, data in entries:
        out.append(struct.pack("<4sI", cid, len(data)) + data + b"\x00" * (len(data) & 1))
    return b"".join(out)


def _chunk_bytes(cid: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", cid, len(payload)) + payload + b"\x00" * (len(payload) & 1)


@dataclass(frozen=True)
class NewChunks:
    """The payloads of the chunks SoundSeek rewrites (None: keep or do not add)."""

    bext: bytes | None
    ixml: bytes | None
    info: bytes | None


def new_chunks(fh: BinaryIO, layout: WaveLayout, change: MetadataChange) -> NewChunks:
    values = change.values()
    bext = layout.find(b"bext")
    ixml = layout.find(b"iXML")
    info = layout.info_list(fh)
    old_bext = _read(fh, bext) if bext else None
    new_bext = _bext(old_bext, values["description"]) if "description" in values else None
    new_ixml = update_ixml(_read(fh, ixml) if ixml else None, change) if values else None
    if new_ixml is not None and len(new_ixml) % 2:
        # Even sizes only: libsndfile's RF64 reader (and others) forget an odd chunk's pad
        # byte and then miss the data chunk. A newline is harmless after the XML.
        new_ixml += b"\n"
    wants_info = any(a in values for a in INFO_NAMES)
    new_info = info_payload(_read(fh, info) if info else None, change) if wants_info else None
    return NewChunks(new_bext, new_ixml, new_info)


@dataclass(frozen=True)
class Rewritten:
    """What the caller needs to prove the new file right: where its audio is, and the hash
    of the audio bytes read from the original on the way."""

    data_offset: int
    data_size: int
    data_digest: str


def rewrite_wave(src: BinaryIO, dst: BinaryIO, change: MetadataChange) -> Rewritten:
    """Stream the original into `dst` with the change applied."""
    layout = read_layout(src)
    return write_chunks(src, dst, layout, new_chunks(src, layout, change))


def write_chunks(
    src: BinaryIO, dst: BinaryIO, layout: WaveLayout, new: NewChunks, hashed: bool = True
) -> Rewritten:
    """Stream `src` into `dst` with these chunks replaced (or added before the audio data);
    every other chunk is copied byte for byte, in its place. `hashed=False`: no digest of
    the audio (a file SoundSeek just wrote itself has nothing to prove)."""
    info = layout.info_list(src)
    dst.write(_head(layout))
    data_at, digest, ds64_at = 0, "", None
    for chunk in layout.chunks:
        if chunk.cid == b"data":
            _add_missing(dst, layout, new, info)
            data_at = dst.tell() + 8
            _copy(src, dst, chunk.start, chunk.payload)
            digest = copy_span(src, chunk.payload, chunk.size, dst, hashed)
            _copy(src, dst, chunk.payload + chunk.size, chunk.end)
        elif chunk.cid == b"bext" and new.bext is not None:
            dst.write(_chunk_bytes(b"bext", new.bext))
        elif chunk.cid == b"iXML" and new.ixml is not None:
            dst.write(_chunk_bytes(b"iXML", new.ixml))
        elif chunk is info and new.info is not None:
            dst.write(_chunk_bytes(b"LIST", new.info))
        else:
            ds64_at = dst.tell() + 8 if chunk.cid == b"ds64" else ds64_at
            _copy(src, dst, chunk.start, chunk.end)
    last = layout.chunks[-1].end
    _copy(src, dst, last, layout.length)  # whatever trails the last chunk, kept as it was
    _patch_sizes(dst, layout.form, ds64_at)
    data = layout.find(b"data")
    return Rewritten(data_at, data.size if data else 0, digest)


def _add_missing(dst: BinaryIO, layout: WaveLayout, new: NewChunks, info: Chunk | None) -> None:
    """Chunks the file lacks go just before the audio data, never after it: what trails the
    data in real files is sometimes damaged (a last chunk claiming more bytes than the file
    has), and a chunk appended there would be swallowed by it."""
    if new.bext is not None and layout.find(b"bext") is None:
        dst.write(_chunk_bytes(b"bext", new.bext))
    if new.ixml is not None and layout.find(b"iXML") is None:
        dst.write(_chunk_bytes(b"iXML", new.ixml))
    if new.info is not None and info is None:
        dst.write(_chunk_bytes(b"LIST", new.info))


def _head(layout: WaveLayout) -> bytes:
    return layout.form + b"\xff\xff\xff\xff" + b"WAVE"


def _patch_sizes(dst: BinaryIO, form: bytes, ds64_at: int | None) -> None:
    """RIFF: the header holds the size; RF64/BW64: ds64 holds it, the header says -1."""
    total = dst.seek(0, 2)
    if form == b"RIFF":
        if total - 8 > MAX_RIFF:
            raise RiffError("the new file would pass 4 GB, which a RIFF file cannot hold; "
                            "not converted to RF64")  # fmt: skip
        dst.seek(4)
        dst.write(struct.pack("<I", total - 8))
    elif ds64_at is not None:
        dst.seek(ds64_at)
        dst.write(struct.pack("<Q", total - 8))
    else:
        raise RiffError(f"it is {form.decode('latin-1')} without a ds64 chunk")
    dst.seek(0, 2)


def copy_span(
    src: BinaryIO, offset: int, size: int, out: BinaryIO | None = None, hashed: bool = True
) -> str:
    """blake2b of `size` bytes from `offset`, copied on to `out` when given: the one loop
    that moves audio, in a rewrite, its verification and an undo ("" when not `hashed`)."""
    h = hashlib.blake2b(digest_size=16) if hashed else None
    src.seek(offset)
    left = size
    while left:
        block = src.read(min(COPY_BLOCK, left))
        if not block:
            raise RiffError("the file ended while it was being copied")
        if h is not None:
            h.update(block)
        if out is not None:
            out.write(block)
        left -= len(block)
    return h.hexdigest() if h is not None else ""


def _copy(src: BinaryIO, dst: BinaryIO, start: int, end: int) -> None:
    copy_span(src, start, end - start, dst)


def data_digest(fh: BinaryIO) -> tuple[int, int, str]:
    """(offset, size, hash) of the audio data of a WAVE file, read independently of a rewrite."""
    data = read_layout(fh).find(b"data")
    return data.payload, data.size, copy_span(fh, data.payload, data.size)


def kept_chunks(fh: BinaryIO) -> list[tuple[bytes, str]]:
    """(id, hash) of every chunk SoundSeek does not own, in order: a rewrite must keep them."""
    layout = read_layout(fh)
    info = layout.info_list(fh)
    out = []
    for c in layout.chunks:
        if c.cid in OWNED or c.cid == b"data" or c is info:
            continue
        fh.seek(c.start)
        out.append((c.cid, hashlib.blake2b(fh.read(c.end - c.start), digest_size=16).hexdigest()))
    return out


def bext_tail(fh: BinaryIO) -> bytes | None:
    """The bext bytes after the Description: a rewrite must keep them."""
    layout = read_layout(fh)
    bext = layout.find(b"bext")
    return _read(fh, bext)[256:] if bext else None
