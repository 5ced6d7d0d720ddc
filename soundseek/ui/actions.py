"""Hand-offs to the desktop: show a file in Finder / Explorer / the Linux file manager."""

from __future__ import annotations

import os
import subprocess
import sys


def reveal(path: str) -> None:
    """Show the file in its folder."""
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", path])
    elif os.name == "nt":
        subprocess.Popen(["explorer", "/select,", os.path.normpath(path)])
    else:
        subprocess.Popen(["xdg-open", os.path.dirname(path)])
