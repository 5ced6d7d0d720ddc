"""The `soundseek` command line: a thin shell over soundseek.core."""

from __future__ import annotations

from soundseek.cli.main import main

__all__ = ["main"]
