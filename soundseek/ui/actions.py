"""File hand-offs: what a DAW receives on drag, reveal in file manager, export a selection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from soundseek.core.render import as_wav, needs_conversion, render_region
from soundseek.core.search import Hit


def drag_file(hit: Hit, region: tuple[float, float] | None, render_dir: Path, convert: bool) -> str:
    """The path a DAW should get: a rendered region, a WAV of an OGG/MP3, or the file itself."""
    if region is not None:
        return str(render_region(hit.path, region[0], region[1], render_dir))
    if convert and needs_conversion(hit.path):
        return str(as_wav(hit.path, render_dir))
    return hit.path


def reveal(path: str) -> None:
    """Show the file in Finder / Explorer / the Linux file manager (its folder)."""
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", path])
    elif os.name == "nt":
        subprocess.Popen(["explorer", "/select,", os.path.normpath(path)])
    else:
        subprocess.Popen(["xdg-open", os.path.dirname(path)])
