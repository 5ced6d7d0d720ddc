"""`python -m soundseek` runs the CLI (no arguments: the desktop app)."""

from __future__ import annotations

import sys

from soundseek.cli import main

sys.exit(main())
