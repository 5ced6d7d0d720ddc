"""The fingerprint depends on the audio only: writing metadata into a file (chunks, tags,
comments, padding) keeps it, changing the audio changes it, and a file whose header does not
parse still gets the whole-file hash."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundseek.files.fingerprint import audio_span, content_hash, whole_file_hash
from tests.audiofiles import (
    bext_bytes,
    ixml_bytes,
    noise,
    tone,
    write_broken,
    write_bwf,
    write_ffmpeg,
)

BIG_TEXT = "long description " * 6000  # ~100 KB: more than one Ogg page of comments


def _span(path: Path):
    with open(path, "rb") as fh:
        return audio_span(fh, path.stat().st_size, path.suffix)


def _flip_payload_byte(path: Path) -> None:
    """Change one byte in the middle of the audio payload (one sample, or one coded bit)."""
    span = _span(path)
    raw = bytearray(path.read_bytes())
    length = span.end - span.start
    raw[span.start + (length // 2 if length <= 8 * 32 * 1024 else 100)] ^= 0x5A  # in a slice
    path.write_bytes(bytes(raw))


def _assert_audio_changes_it(path: Path) -> None:
    before = content_hash(str(path))
    _flip_payload_byte(path)
    assert content_hash(str(path)) != before


# -- WAV / BWF / RF64 / Wave64 ---------------------------------------------------------------------
def _riff(chunks: list[tuple[bytes, bytes]], magic: bytes = b"RIFF") -> bytes:
    body = b"WAVE"
    for cid, data in chunks:
        body += cid + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return magic + struct.pack("<I", len(body)) + body


def _wav_chunks(path: Path) -> dict[bytes, bytes]:
    raw, pos, out = path.read_bytes(), 12, {}
    while pos + 8 <= len(raw):
        cid, n = struct.unpack_from("<4sI", raw, pos)
        out[cid] = raw[pos + 8 : pos + 8 + n]
        pos += 8 + n + (n & 1)
    return out


def test_wav_metadata_chunks_added_grown_removed_keep_the_hash(tmp_path):
    path = write_bwf(tmp_path / "door.wav", noise(1.5, seed=1), bext=bext_bytes("Door"),
                     ixml=ixml_bytes({"CATID": "DOORWood"}))  # fmt: skip
    expected = content_hash(str(path))
    assert _span(path).kind == b"wave" and expected != whole_file_hash(str(path))
    c = _wav_chunks(path)
    info = b"INFO" + b"INAM" + struct.pack("<I", 5) + b"Door\x00\x00"
    variants = {
        "bext and iXML grown": [(b"fmt ", c[b"fmt "]), (b"bext", bext_bytes("Door " * 200)),
                                (b"iXML", ixml_bytes({"CATID": "DOORWood", "NOTE": "x" * 9999})),
                                (b"data", c[b"data"])],
        "bext removed, LIST after data": [(b"fmt ", c[b"fmt "]), (b"iXML", c[b"iXML"]),
                                          (b"data", c[b"data"]), (b"LIST", info)],
        "odd-sized chunks before data": [(b"fmt ", c[b"fmt "]), (b"ABCD", b"odd"),
                                         (b"JUNK", b"\x00" * 3), (b"data", c[b"data"])],
        "all metadata after data": [(b"fmt ", c[b"fmt "]), (b"data", c[b"data"]),
                                    (b"bext", c[b"bext"]), (b"iXML", c[b"iXML"] * 3)],
    }  # fmt: skip
    for name, chunks in variants.items():
        path.write_bytes(_riff(chunks))
        assert content_hash(str(path)) == expected, name
        assert sf.info(str(path)).frames == 72000, name


def test_a_changed_wav_sample_changes_the_hash(tmp_path):
    samples = noise(1.0, seed=2)
    a = write_bwf(tmp_path / "a.wav", samples, bext=bext_bytes("x"))
    samples[24000] += 0.01
    b = write_bwf(tmp_path / "b.wav", samples, bext=bext_bytes("x"))
    assert content_hash(str(a)) != content_hash(str(b))


def test_same_samples_at_another_rate_are_another_sound(tmp_path):
    samples = noise(0.5, seed=3)
    a = write_bwf(tmp_path / "a.wav", samples, rate=48000)
    b = write_bwf(tmp_path / "b.wav", samples, rate=44100)
    assert content_hash(str(a)) != content_hash(str(b)), "the fmt chunk is part of the audio"


def test_long_wav_hashes_slices_and_metadata_still_does_not_count(tmp_path):
    samples = noise(30.0, seed=4)  # 2.9 MB: eight slices, not the whole payload
    a = write_bwf(tmp_path / "a.wav", samples)
    b = write_bwf(tmp_path / "b.wav", samples, bext=bext_bytes("d"), ixml=ixml_bytes({"A": "b"}))
    assert content_hash(str(a)) == content_hash(str(b))
    _assert_audio_changes_it(b)


def test_rf64_written_by_libsndfile_and_a_chunk_added(tmp_path):
    path = tmp_path / "long.rf64"
    sf.write(str(path), noise(2.0, seed=5), 48000, format="RF64", subtype="PCM_24")
    assert path.read_bytes()[:4] == b"RF64"
    before = content_hash(str(path))
    assert _span(path).kind == b"wave"
    with open(path, "ab") as fh:  # an iXML chunk after data (sizes below 4 GB need no ds64)
        fh.write(b"iXML" + struct.pack("<I", 4000) + b"x" * 4000)
    assert content_hash(str(path)) == before
    _assert_audio_changes_it(path)


def _sparse_rf64(path: Path, data_size: int, before: bytes, after: bytes, mark: int) -> Path:
    """An RF64 whose data chunk is `data_size` bytes (sizes from ds64), as a sparse file with a
    few non-zero bytes at `mark` (relative to the payload) so slices see content."""
    fmt = struct.pack("<HHIIHH", 1, 2, 48000, 48000 * 6, 6, 24)
    ds64 = struct.pack("<QQQI", 0, data_size, data_size // 6, 0)
    head = (b"ds64" + struct.pack("<I", len(ds64)) + ds64 + b"fmt " + struct.pack("<I", 16) + fmt
            + before + b"data" + struct.pack("<I", 0xFFFFFFFF))  # fmt: skip
    start = 12 + len(head)
    with open(path, "wb") as fh:
        fh.write(b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + head)
        for off in (0, mark, data_size - 7):
            fh.seek(start + off)
            fh.write(b"\x01\x02\x03\x04\x05\x06\x07")
        fh.seek(start + data_size)
        fh.write(after)
    return path


def test_rf64_over_4gb_reads_its_size_from_ds64(tmp_path):
    size = 5 * 1024**3 + 6  # the header path only: a sparse file, never 5 GB written
    mark = (size - 32 * 1024) // 7 * 3 + 100  # inside the fourth slice
    plain = _sparse_rf64(tmp_path / "a.rf64", size, b"", b"", mark)
    span = _span(plain)
    assert span is not None and span.end - span.start == size and span.end > 2**32
    junk = b"JUNK" + struct.pack("<I", 28) + b"\x00" * 28
    ixml = b"iXML" + struct.pack("<I", 10) + b"<BWFXML/>\x00"
    tagged = _sparse_rf64(tmp_path / "b.rf64", size, junk, ixml, mark)
    assert content_hash(str(plain)) == content_hash(str(tagged))
    other = _sparse_rf64(tmp_path / "c.rf64", size, junk, ixml, mark + 1)
    assert content_hash(str(other)) != content_hash(str(plain))


def test_wave64_payload(tmp_path):
    path = tmp_path / "a.w64"
    sf.write(str(path), noise(1.0, seed=6), 48000, format="W64")
    span = _span(path)
    assert span.kind == b"wave" and span.end - span.start == 96000
    _assert_audio_changes_it(path)


# -- AIFF ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["AIFF", "AIFC"])
def test_aiff_id3_chunk_written_by_mutagen_keeps_the_hash(tmp_path, fmt):
    from mutagen.aiff import AIFF
    from mutagen.id3 import COMM, TIT2

    path = tmp_path / "a.aif"
    subtype = "PCM_16" if fmt == "AIFF" else "ULAW"
    sf.write(str(path), noise(1.0, seed=7), 48000, format="AIFF", subtype=subtype)
    before = content_hash(str(path))
    assert _span(path).kind == b"aiff"
    f = AIFF(str(path))
    f.add_tags()
    f.tags.add(TIT2(encoding=3, text="Door"))
    f.save()
    assert content_hash(str(path)) == before
    f = AIFF(str(path))
    f.tags.add(COMM(encoding=3, lang="eng", desc="", text=BIG_TEXT))
    f.save()
    assert content_hash(str(path)) == before
    f.delete()
    assert content_hash(str(path)) == before
    _assert_audio_changes_it(path)


# -- FLAC ------------------------------------------------------------------------------------------
def test_flac_comments_and_padding_keep_the_hash(tmp_path):
    from mutagen.flac import FLAC, Picture

    path = tmp_path / "a.flac"
    sf.write(str(path), noise(3.0, seed=8), 48000, format="FLAC")
    before = content_hash(str(path))
    start = _span(path).start
    f = FLAC(str(path))
    f["title"] = "Thunder"
    f["description"] = BIG_TEXT
    pic = Picture()
    pic.data, pic.mime = np.random.default_rng(0).bytes(200_000), "image/png"
    f.add_picture(pic)
    f.save()
    assert _span(path).start > start + 200_000, "the frames moved"
    assert content_hash(str(path)) == before
    f = FLAC(str(path))
    f.clear_pictures()
    f.delete()
    f.save(padding=lambda info: 0)
    assert content_hash(str(path)) == before
    with open(path, "ab") as fh:  # an ID3v1 tag some taggers append
        fh.write(b"TAG" + b"Thunder".ljust(125, b"\x00"))
    assert content_hash(str(path)) == before
    _assert_audio_changes_it(path)


# -- Ogg: Vorbis, Opus -----------------------------------------------------------------------------
def _header_pages(path: Path) -> int:
    return path.read_bytes()[: _span(path).start].count(b"OggS")


@pytest.mark.parametrize("codec", ["VORBIS", "OPUS"])
def test_ogg_comments_that_add_header_pages_keep_the_hash(tmp_path, codec):
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    path = tmp_path / ("a.opus" if codec == "OPUS" else "a.ogg")
    sf.write(str(path), noise(4.0, seed=9), 48000, format="OGG", subtype=codec)
    before, pages = content_hash(str(path)), _header_pages(path)
    kind = OggOpus if codec == "OPUS" else OggVorbis
    f = kind(str(path))
    f["title"] = "Rain"
    f["description"] = BIG_TEXT
    f.save()
    assert _header_pages(path) > pages + 1, "the comments took more pages"
    assert content_hash(str(path)) == before, "later pages were renumbered, not changed"
    grown = _header_pages(path)
    f = kind(str(path))
    f.delete()
    assert _header_pages(path) < grown
    assert content_hash(str(path)) == before
    assert sf.info(str(path)).frames > 0
    _assert_audio_changes_it(path)


def test_ogg_long_file_slices_mask_page_fields(tmp_path):
    from mutagen.oggvorbis import OggVorbis

    path = tmp_path / "long.ogg"
    with sf.SoundFile(str(path), "w", 48000, 1, format="OGG", subtype="VORBIS") as out:
        for i in range(60):  # a second at a time: one long write crashes libsndfile 1.2
            out.write(noise(1.0, seed=i, amp=0.5))
    assert _span(path).end - _span(path).start > 8 * 32 * 1024
    before = content_hash(str(path))
    f = OggVorbis(str(path))
    f["description"] = BIG_TEXT
    f.save()
    assert content_hash(str(path)) == before


def _audio_on_the_setup_page(path: Path) -> None:
    """Rewrite an Ogg Vorbis file so its first audio packets share the setup header's page,
    as some encoders do (found in real LMMS samples)."""
    from mutagen.ogg import OggPage

    with open(path, "rb") as fh:
        pages = []
        while fh.tell() < path.stat().st_size:
            pages.append(OggPage(fh))
    setup = next(i for i, p in enumerate(pages) if p.packets[-1].startswith(b"\x05vorbis"))
    audio = pages[setup + 1]
    assert audio.complete and not audio.continued
    merged = OggPage()
    merged.serial, merged.sequence = audio.serial, pages[setup].sequence
    merged.position, merged.complete = audio.position, True
    merged.packets = pages[setup].packets + audio.packets
    rest = pages[setup + 2 :]
    for p in rest:
        p.sequence -= 1
    path.write_bytes(b"".join(p.write() for p in [*pages[:setup], merged, *rest]))


def test_ogg_audio_sharing_the_setup_page_keeps_the_hash_through_edits(tmp_path):
    from mutagen.oggvorbis import OggVorbis

    path = tmp_path / "shared.ogg"
    sf.write(str(path), noise(3.0, seed=5), 48000, format="OGG", subtype="VORBIS")
    _audio_on_the_setup_page(path)
    assert sf.info(str(path)).frames > 0
    before = content_hash(str(path))
    assert before != whole_file_hash(str(path)), "parsed, not the fallback"
    for text in (BIG_TEXT, "short"):  # repaginated onto pages of their own, then kept
        f = OggVorbis(str(path))
        f["description"] = text
        f.save()
        assert content_hash(str(path)) == before
    _assert_audio_changes_it(path)


# -- MP3 -------------------------------------------------------------------------------------------
def test_mp3_id3v2_id3v1_and_ape_keep_the_hash(tmp_path):
    from mutagen.apev2 import APEv2
    from mutagen.id3 import APIC, ID3, TIT2

    path = tmp_path / "a.mp3"
    sf.write(str(path), noise(2.0, seed=11), 48000, format="MP3", subtype="MPEG_LAYER_III")
    before = content_hash(str(path))
    assert _span(path).kind == b"mpeg"
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Dog bark"))
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="", data=b"\x89PNG" * 20000))
    tags.save(str(path), v1=2)  # ID3v2 before the frames, ID3v1 after
    assert path.read_bytes()[-128:-125] == b"TAG"
    assert content_hash(str(path)) == before
    ape = APEv2()
    ape["Title"] = "Dog bark"
    ape.save(str(path))
    assert content_hash(str(path)) == before
    ID3(str(path)).delete(str(path), delete_v1=True, delete_v2=True)
    APEv2(str(path)).delete(str(path))
    assert content_hash(str(path)) == before
    _assert_audio_changes_it(path)


def test_id3v24_footer_flag_is_respected(tmp_path):
    path = tmp_path / "a.mp3"
    sf.write(str(path), noise(1.0, seed=12), 48000, format="MP3", subtype="MPEG_LAYER_III")
    before, audio = content_hash(str(path)), path.read_bytes()
    body = b"TIT2" + struct.pack(">I", 5) + b"\x00\x00\x03Dog"
    size = bytes((len(body) >> s) & 0x7F for s in (21, 14, 7, 0))
    path.write_bytes(b"ID3\x04\x00\x10" + size + body + b"3DI\x04\x00\x10" + size + audio)
    assert content_hash(str(path)) == before
    path.write_bytes(audio + b"ID3\x04\x00\x10" + size + body + b"3DI\x04\x00\x10" + size)
    assert content_hash(str(path)) == before, "an appended v2.4 tag is found by its footer"


# -- fallbacks -------------------------------------------------------------------------------------
def test_malformed_and_unknown_files_fall_back_to_the_whole_file(tmp_path):
    broken = write_broken(tmp_path / "broken")
    cut = write_bwf(tmp_path / "cut.wav", noise(1.0, seed=13))
    cut.write_bytes(cut.read_bytes()[:50_000])  # the data chunk claims more than is there
    ogg = io.BytesIO()
    sf.write(ogg, tone(1.0), 48000, format="OGG", subtype="VORBIS")
    torn = tmp_path / "torn.ogg"
    torn.write_bytes(ogg.getvalue()[:60])
    m4a = write_ffmpeg(tmp_path / "a.m4a", tone(1.0), 48000, "aac", "mp4", "fltp")
    au = tmp_path / "a.au"
    sf.write(str(au), tone(0.5), 48000, format="AU")
    for path in (*broken.values(), cut, torn, m4a, au):
        assert _span(path) is None, path.name
        assert content_hash(str(path)) == whole_file_hash(str(path)), path.name


def test_whole_file_hash_is_the_old_fingerprint(tmp_path):
    """Indexes made before payload hashing used this; the migration recognises it."""
    import hashlib

    path = tmp_path / "big.wav"
    write_bwf(path, noise(5.0, seed=14))
    raw, size = path.read_bytes(), path.stat().st_size
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    step = (size - 32 * 1024) // 7
    for i in range(8):
        h.update(raw[i * step : i * step + 32 * 1024])
    assert whole_file_hash(str(path)) == h.hexdigest()
