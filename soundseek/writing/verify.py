"""Prove a rewritten copy right before it replaces the original, with readers that share no
code with the writers: wavinfo (lxml) for bext/iXML/INFO, FFmpeg (PyAV) for tags,
libsndfile for the audio's frame count, sox where it is installed (it is stricter about chunk
layout than the others), and SoundSeek's audio-only fingerprint."""

from __future__ import annotations

import os
import shutil
import subprocess

import soundfile as sf

from soundseek.errors import WriteRefused
from soundseek.files.fingerprint import content_hash
from soundseek.metadata.fields import INFO_NAMES, USER_NAMES, MetadataChange
from soundseek.metadata.riffedit import Rewritten, bext_tail, data_digest, kept_chunks
from soundseek.paths import os_name

_INFO_ATTRS = {b"INAM": "title", b"ICMT": "comment", b"IKEY": "keywords", b"IGNR": "genre",
               b"IART": "artist", b"IPRD": "product"}  # fmt: skip


def _check(path: str, ok: bool, what: str) -> None:
    if not ok:
        raise WriteRefused(path, f"the written copy failed verification ({what}); "
                                 "the original is untouched")  # fmt: skip


def _frames(path: str) -> int:
    try:
        return sf.info(os_name(path)).frames
    except (sf.LibsndfileError, RuntimeError):  # a format libsndfile does not read
        return -1


def verify_wave(original: str, temp: str, change: MetadataChange, done: Rewritten) -> None:
    """Audio bytes, every chunk we do not own, the rest of bext, and each field we wrote."""
    with open(original, "rb") as a, open(temp, "rb") as b:
        _, size, digest = data_digest(b)
        _check(original, (size, digest) == (done.data_size, done.data_digest), "audio data")
        _check(original, kept_chunks(a) == kept_chunks(b), "chunks not ours")
        old_tail, new_tail = bext_tail(a), bext_tail(b)
        _check(original, old_tail is None or old_tail == new_tail, "bext beyond Description")
    _check(original, _frames(original) == _frames(temp), "frame count")
    _check_sox(original, temp)
    _wave_fields(original, temp, change.values())


def _sox_samples(path: str) -> int | None:
    """The sample count sox reads from the header, or None where sox is not installed or
    cannot open the file."""
    sox = shutil.which("sox")
    if sox is None:
        return None
    try:
        done = subprocess.run([sox, "--i", "-s", path], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.decode("ascii", "replace").strip()
    return int(text) if done.returncode == 0 and text.isdigit() else None


def _check_sox(original: str, temp: str) -> None:
    """Where sox reads the original, it reads the copy, with the same sample count (for MP3,
    whose count sox may estimate from the size, only that it reads it)."""
    before = _sox_samples(original)
    if before is None:
        return
    after = _sox_samples(temp)
    estimated = os.path.splitext(original)[1].lower() in (".mp3", ".mp2")
    _check(original, after is not None and (estimated or after == before), "sox cannot read it")


def _wavinfo(path: str):
    from wavinfo import WavInfoReader

    try:
        return WavInfoReader(path, info_encoding="utf-8", bext_encoding="utf-8")
    except Exception:  # wavinfo asserts on chunks it dislikes (a short cue chunk, say)
        return None


def _wave_fields(original: str, temp: str, values: dict[str, str]) -> None:
    """wavinfo reads the fields back; where it cannot read the original either (it refuses
    some odd but harmless chunks), SoundSeek's own chunk reader does, so such files stay
    writable."""
    info = _wavinfo(temp)
    if info is None:
        _check(original, _wavinfo(original) is None, "wavinfo cannot read it")
        _own_fields(original, temp, values)
        return
    if "description" in values:
        want = values["description"].encode("utf-8")[:256].decode("utf-8", "ignore")
        _check(original, info.bext is not None and info.bext.description == want, "bext")
    root = info.ixml.raw_xml if info.ixml is not None else None
    for attr, value in values.items():
        node = root.find(f"./USER/{USER_NAMES[attr]}") if root is not None else None
        _check(original, node is not None and (node.text or "") == value, f"iXML {attr}")
        if attr in INFO_NAMES:
            got = getattr(info.info, _INFO_ATTRS[INFO_NAMES[attr]], None) if info.info else None
            _check(original, got == value, f"INFO {INFO_NAMES[attr].decode()}")


def verify_tagged(original: str, temp: str, change: MetadataChange) -> None:
    """The audio fingerprint and frame count unchanged, and FFmpeg reads every field back."""
    _check(original, content_hash(original) == content_hash(temp), "audio fingerprint")
    _check(original, _frames(original) == _frames(temp), "frame count")
    _check_sox(original, temp)
    found = _ffmpeg_tags(temp)
    for attr, value in change.values().items():
        name = USER_NAMES[attr].lower()
        alt = found.get("comment") if attr == "description" else None
        _check(original, value in (found.get(name), alt), f"tag {USER_NAMES[attr]}")


def _ffmpeg_tags(path: str) -> dict[str, str]:
    import av

    try:
        with av.open(path, metadata_errors="ignore") as container:
            tags = dict(container.metadata)
            for stream in container.streams.audio:
                tags.update(stream.metadata)
    except av.FFmpegError as exc:
        raise WriteRefused(path, f"FFmpeg cannot read the written copy ({exc})") from exc
    return {k.lower(): v for k, v in tags.items()}


def _own_fields(original: str, temp: str, values: dict[str, str]) -> None:
    from soundseek.files.riff import read_wav_chunks

    with open(temp, "rb") as fh:
        chunks = read_wav_chunks(fh)
    if "description" in values:
        want = values["description"].encode("utf-8")[:256].decode("utf-8", "ignore").strip()
        _check(original, chunks.bext is not None and chunks.bext.description == want, "bext")
    for attr, value in values.items():
        _check(original, chunks.ixml_user.get(USER_NAMES[attr]) == value.strip(), f"iXML {attr}")
