"""Errors SoundSeek raises on purpose: one type per thing a user, script or window can act on.

Shells map these to exit codes and messages (CLI) or to states (GUI); anything else that
escapes is a bug, logged with its traceback.
"""

from __future__ import annotations

from pathlib import Path


class SoundSeekError(Exception):
    """Base class: every error raised on purpose derives from this."""


class UnreadableFile(SoundSeekError):
    """A file could not be read or decoded; the reason is meant for the user."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ModelError(SoundSeekError):
    """Sound search cannot use the configured model; subclasses say why."""


class ModelUnavailable(ModelError):
    """The embedding model is not on disk."""


class ModelInvalid(ModelError):
    """A model folder or checkpoint exists but is not a usable LAION-CLAP model (or is unsafe)."""


class ModelDownloadFailed(ModelError):
    """Fetching a model failed (offline, hub unreachable, disk full); nothing was installed."""


class StoreError(SoundSeekError):
    """The index on disk cannot be used as it is."""


class StoreLocked(StoreError):
    """Another process already owns the index for writing."""


class StoreModelMismatch(StoreError):
    """The index holds vectors of a different model than the one asked for."""


class StoreVersionError(StoreError):
    """The index was written by a newer SoundSeek, or an upgrade of an older one failed."""


class RootError(SoundSeekError):
    """A library folder operation makes no sense (not a folder, unknown, nested, wrong target)."""


class NotIndexed(SoundSeekError):
    """A file has no sound vectors yet (not in the library, not embedded, or unreadable)."""


class QuerySyntaxError(SoundSeekError):
    """A search query could not be understood."""


class WriteRefused(SoundSeekError):
    """Metadata was not written into a file (read-only, locked, damaged, failed verification);
    the file is untouched and the reason is meant for the user."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class WritesBusy(SoundSeekError):
    """Another SoundSeek process is writing metadata into files; one writer at a time."""


class JournalError(SoundSeekError):
    """The write journal cannot be written (a full disk, permissions): nothing is written or
    undone without it."""


class ClusterError(SoundSeekError):
    """The Ray cluster cannot run the job (unreachable, no worker could start, all died)."""


class LocationError(SoundSeekError):
    """A library location SoundSeek cannot use as given (not `local`, not s3://bucket/...)."""


DISK_FULL_ERRNOS = (28, 122)  # ENOSPC, EDQUOT (Linux numbering; macOS's EDQUOT is 69)


def disk_full(exc: BaseException | None) -> bool:
    """Whether an error (or one it was raised from) is a full disk or an exhausted quota,
    whoever raised it: the OS (OSError), or a storage engine that reports it as text
    (LanceDB's RuntimeError "... No space left on device"). A full disk is the user's to fix
    and loses nothing, so every shell says it in one line instead of an "unexpected error"."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (*DISK_FULL_ERRNOS, 69):
            return True
        text = str(exc)
        if "No space left on device" in text or "Disk quota exceeded" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


DISK_FULL_MESSAGE = (
    "the disk is full (no space left for SoundSeek's data or the file it writes): "
    "free some space and run it again; nothing was changed half-way"
)


class TransferError(SoundSeekError):
    """A file could not be transferred (unreadable, a destination that is read-only or full,
    an option it cannot honour); nothing half-written is left behind."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class TransferOptionError(SoundSeekError, ValueError):
    """A transfer option that cannot be honoured (a rate, depth, template...): a usage error."""


class SpotError(SoundSeekError):
    """Spotting into Pro Tools failed; the message is one line a user can act on (Pro Tools
    not running, too old, no session open, or what Pro Tools itself said)."""


class CopiesOptionError(SoundSeekError, ValueError):
    """An action on copies that cannot be taken as asked (an unknown action, a move without a
    folder, an export to a format SoundSeek does not write): a usage error."""
