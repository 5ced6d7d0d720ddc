"""Errors the core raises: one type per thing a user or script can act on."""

from __future__ import annotations

from pathlib import Path


class SoundSeekError(Exception):
    """Base class: every error the core raises on purpose derives from this."""


class UnreadableFile(SoundSeekError):
    """A file could not be read or decoded; the reason is meant for the user."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ModelUnavailable(SoundSeekError):
    """The embedding model is not on disk (and could not be fetched)."""


class ModelInvalid(SoundSeekError):
    """A model folder or checkpoint exists but is not a usable LAION-CLAP model."""


class StoreLocked(SoundSeekError):
    """Another process already owns the index for writing."""


class StoreModelMismatch(SoundSeekError):
    """The index holds vectors of a different model than the one asked for."""


class QuerySyntaxError(SoundSeekError):
    """A search query could not be understood."""
