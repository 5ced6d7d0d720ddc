"""Bundle entry point: the console `soundseek` command (no arguments opens the app)."""

from __future__ import annotations

import multiprocessing
import sys

from soundseek.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
