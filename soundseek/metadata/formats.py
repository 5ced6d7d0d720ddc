"""Which mutagen format classes an extension names, so a tag read need not try them all."""

from __future__ import annotations

import functools
import os

import mutagen

MUTAGEN_ERRORS = (mutagen.MutagenError, OSError, ValueError, KeyError, IndexError, EOFError)

_BY_EXTENSION = {  # extension -> "module:Class" names, imported on first use
    "wav": ("wave:WAVE",),
    "bwf": ("wave:WAVE",),
    "wave": ("wave:WAVE",),
    "aif": ("aiff:AIFF",),
    "aiff": ("aiff:AIFF",),
    "aifc": ("aiff:AIFF",),
    "flac": ("flac:FLAC",),
    "mp3": ("mp3:MP3",),
    "mp2": ("mp3:MP3",),
    "ogg": ("oggvorbis:OggVorbis", "oggopus:OggOpus", "oggflac:OggFLAC", "oggspeex:OggSpeex"),
    "oga": ("oggvorbis:OggVorbis", "oggopus:OggOpus", "oggflac:OggFLAC", "oggspeex:OggSpeex"),
    "opus": ("oggopus:OggOpus",),
    "m4a": ("mp4:MP4",),
    "mp4": ("mp4:MP4",),
    "aac": ("aac:AAC",),
    "wv": ("wavpack:WavPack",),
    "wma": ("asf:ASF",),
    "asf": ("asf:ASF",),
    "ape": ("monkeysaudio:MonkeysAudio",),
}


def mutagen_formats(path: str) -> list[type] | None:
    """The classes worth trying first for this file, or None to let mutagen guess."""
    names = _BY_EXTENSION.get(os.path.splitext(path)[1].lower().lstrip("."))
    return _classes(names) if names else None


@functools.cache
def _classes(names: tuple[str, ...]) -> list[type]:
    import importlib

    out = []
    for name in names:
        module, cls = name.split(":")
        out.append(getattr(importlib.import_module(f"mutagen.{module}"), cls))
    return out
