"""`python -m soundseek` runs the CLI (no arguments: the desktop app)."""

from __future__ import annotations

import sys

from soundseek.cli import main

if __name__ == "__main__":  # worker processes re-import this module: only the CLI runs it
    sys.exit(main())
