"""Audio the shells hand around: waveform envelopes, files for a DAW drag, exports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from soundseek.audio.decode import envelope_from_bytes, file_envelope, segment_envelope
from soundseek.audio.render import as_wav, needs_conversion, render_region

Region = tuple[float, float]


def envelope(stored: bytes | None, path: str) -> np.ndarray:
    """The stored overview of an embedded file, or one read from the file itself."""
    return envelope_from_bytes(stored if stored else file_envelope(path))


def detail(path: str, start: float, end: float) -> np.ndarray:
    return segment_envelope(path, start, end)


def drag_file(path: str, region: Region | None, render_dir: Path, convert: bool) -> str:
    """The path a DAW should get: a rendered region, a WAV of an OGG/MP3, or the file itself."""
    if region is not None:
        return str(render_region(path, region[0], region[1], render_dir))
    if convert and needs_conversion(path):
        return str(as_wav(path, render_dir))
    return path


def export(path: str, region: Region | None, folder: str, render_dir: Path) -> str:
    """Copy the file (or render the region) into `folder`; returns where it went."""
    if region:
        out = render_region(path, region[0], region[1], render_dir)
        return shutil.move(str(out), os.path.join(folder, out.name))
    return shutil.copy2(path, folder)
