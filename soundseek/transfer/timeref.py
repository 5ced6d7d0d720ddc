"""A source's BWF time reference (samples since midnight), which a transferred region
carries on, moved by where the region starts, so a spot "to original time stamp" lands
where the recording was made."""

from __future__ import annotations

from soundseek.files.riff import RiffError, read_wav_chunks


def source_time_reference(path: str) -> int:
    """0 for anything without a readable bext chunk."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) not in (b"RIFF", b"RF64", b"BW64"):
                return 0
            fh.seek(0)
            bext = read_wav_chunks(fh).bext
    except (OSError, RiffError, ValueError):
        return 0
    return bext.time_reference if bext else 0
