"""Where an AIFF's ID3 chunk goes, and how big it is, so that every common reader copes.

sox reads the chunks before the sound data without skipping an odd chunk's pad byte, so an
odd-sized ID3 chunk standing before SSND makes it stop with "no sound data" (FFmpeg and
libsndfile cope). SoundSeek therefore writes its ID3 chunk after the sound data, where mutagen
puts a new chunk, and always with an even size.
"""

from __future__ import annotations

from collections.abc import Callable

from mutagen._tags import PaddingInfo
from mutagen.aiff import AIFFFile


def place_id3_chunk(path: str) -> int:
    """Remove an ID3 chunk that stands before the sound data (mutagen then writes the tags,
    already loaded, into a new chunk at the end); returns the data size of the ID3 chunk the
    next save overwrites: 0 where it will create one."""
    with open(path, "rb+") as fh:
        iff = AIFFFile(fh)
        if "ID3" not in iff:
            return 0
        id3 = iff["ID3"]
        if "SSND" in iff and id3.offset < iff["SSND"].offset:
            del iff["ID3"]
            return 0
        return id3.data_size


def even_padding(available: int) -> Callable[[PaddingInfo], int]:
    """A mutagen padding callback that keeps the ID3 data (tag and padding) an even size;
    `available` is the data size of the chunk being overwritten (from place_id3_chunk)."""

    def pad(info: PaddingInfo) -> int:
        padding = info.get_default_padding()
        needed = available - info.padding  # the tag's own size, header included
        return padding + (needed + padding) % 2

    return pad
