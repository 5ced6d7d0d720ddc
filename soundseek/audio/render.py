"""Render what a DAW will accept: a selected region, or a whole file as WAV, into a temp folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import soundfile as sf

from soundseek.audio.decode import read_segment
from soundseek.audio.sources import probe
from soundseek.errors import UnreadableFile
from soundseek.files.names import readable

DAW_FRIENDLY = frozenset({"wav", "bwf", "wave", "aif", "aiff", "flac"})
DAW_SUBTYPES = ("PCM", "FLOAT", "DOUBLE")
KEEP_DAYS = 7


def _subtype(path: str) -> str:
    """Keep the source's PCM/float depth; compressed sources render as 24-bit PCM."""
    sub = probe(path).subtype
    return sub if sub in ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE") else "PCM_24"


def render_region(path: str, start: float, end: float, out_dir: Path) -> Path:
    """A WAV of [start, end) at the source's rate, channels and (PCM/float) depth."""
    data, rate = read_segment(path, start, end)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = readable(Path(path).stem)  # a DAW's drag carries UTF-8 names only
    target = out_dir / f"{stem}_{start:.2f}-{end:.2f}s.wav"
    sf.write(str(target), data, rate, subtype=_subtype(path))
    return target


def as_wav(path: str, out_dir: Path) -> Path:
    """The whole file as WAV (for DAWs that reject OGG, Opus or MP3), cached by mtime."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{readable(Path(path).stem)}.wav"
    if target.exists() and target.stat().st_mtime >= os.path.getmtime(path):
        return target
    data, rate = read_segment(path)
    sf.write(str(target), data, rate, subtype="PCM_24")
    return target


def needs_conversion(path: str) -> bool:
    """OGG/MP3/M4A/WavPack..., and "WAVs" that hold something a DAW cannot read (Vorbis in
    RIFF, a misnamed container)."""
    if Path(path).suffix.lower().lstrip(".") not in DAW_FRIENDLY:
        return True
    try:
        info = probe(path)
    except UnreadableFile:
        return False  # nothing to convert from; the DAW gets the file and says what it thinks
    return info.decoder != "sndfile" or not info.subtype.startswith(DAW_SUBTYPES)


def clean_renders(out_dir: Path, keep_days: float = KEEP_DAYS) -> int:
    """Remove renders older than a week (a DAW may still reference newer ones)."""
    if not out_dir.exists():
        return 0
    cutoff = time.time() - keep_days * 86400
    removed = 0
    for f in out_dir.glob("*.wav"):
        if f.stat().st_mtime < cutoff:
            f.unlink(missing_ok=True)
            removed += 1
    return removed
