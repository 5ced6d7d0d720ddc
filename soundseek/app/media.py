"""Audio the shells hand around: waveform envelopes, files for a DAW drag, exports."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

from soundseek.audio.decode import envelope_from_bytes, file_envelope, segment_envelope
from soundseek.audio.render import as_wav, needs_conversion, render_region
from soundseek.files import names

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
    if not names.is_utf8(path):
        return str(readable_link(path, render_dir))
    return path


def readable_link(path: str, render_dir: Path) -> Path:
    """A drag carries a UTF-8 URL, so a file whose name is not UTF-8 (old sample CDs) goes as
    a hard link (a copy where links fail) under its name read as Windows-1252, in a folder
    of its own per source so two such files never share a name."""
    key = hashlib.sha1(os.fsencode(path)).hexdigest()[:12]
    target = render_dir / "names" / key / names.readable(os.path.basename(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and os.path.samefile(target, path):
        return target
    target.unlink(missing_ok=True)
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return target


def export(path: str, region: Region | None, folder: str, render_dir: Path) -> str:
    """Copy the file (or render the region) into `folder`; returns where it went."""
    if region:
        out = render_region(path, region[0], region[1], render_dir)
        return shutil.move(str(out), os.path.join(folder, out.name))
    return shutil.copy2(path, folder)
