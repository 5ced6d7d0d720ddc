"""The `soundseek` command line: argument parsing and printing over the application layer."""

from __future__ import annotations

from soundseek.cli.main import main

__all__ = ["main"]
