"""Which copy to keep: the one a sound designer would reach for.

Lossless before lossy; then the higher sample rate, the deeper bit depth, more channels; then
the one carrying more metadata (a described, categorised file beats a bare one); then the
oldest (the original, not the copy made of it). A file that is a region of another in its
group never keeps: its container holds everything it does.
"""

from __future__ import annotations

from soundseek.index.tables.records import FileRecord

LOSSY = frozenset({"mp3", "ogg", "oga", "opus", "m4a", "aac", "wma", "mp2", "vorbis"})
_METADATA = ("description", "category", "catid", "keywords", "fx_name", "designer", "library")


def is_lossy(rec: FileRecord) -> bool:
    fmt = (rec.format or rec.ext or "").lower()
    return fmt in LOSSY or rec.ext in LOSSY


def metadata_count(rec: FileRecord) -> int:
    return sum(1 for name in _METADATA if getattr(rec, name, ""))


def keeper_key(rec: FileRecord, contained: frozenset[str] | set[str] = frozenset()) -> tuple:
    """Sort key: the best copy sorts first."""
    return (
        rec.content_hash in contained,
        is_lossy(rec),
        -(rec.samplerate or 0),
        -(rec.bit_depth or 0),
        -(rec.channels or 0),
        -metadata_count(rec),
        rec.mtime_ns or 0,
        rec.path,
    )


def keeper_order(files: list[FileRecord], contained: set[str] | frozenset[str] = frozenset()
                 ) -> list[FileRecord]:  # fmt: skip
    """The files, best copy first."""
    return sorted(files, key=lambda r: keeper_key(r, contained))
