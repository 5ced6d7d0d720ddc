"""An error in the user's words, for the status bar: typed errors say their own message, a full
disk says what to do, anything else shows its type (so a bug report can name it)."""

from __future__ import annotations

from soundseek.errors import DISK_FULL_MESSAGE, SoundSeekError, disk_full


def describe_error(exc: Exception) -> str:
    if isinstance(exc, SoundSeekError):
        return str(exc)
    if disk_full(exc):
        return DISK_FULL_MESSAGE
    return f"{type(exc).__name__}: {exc}"
