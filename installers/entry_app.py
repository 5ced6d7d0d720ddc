"""Bundle entry point: the windowed SoundSeek app."""

from __future__ import annotations

import multiprocessing
import sys

from soundseek.ui.launch import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main(sys.argv))
