"""What SoundSeek and Pro Tools agree on when spotting: PTSL versions (which one this needs,
which one to speak), the session's format, a timecode, and what a spot did. No wire here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from soundseek.errors import SpotError

_TIMECODE = re.compile(r"^\d{2}:[0-5]\d:[0-5]\d[:;]\d{2}$")  # HH:MM:SS:FF (";" drop-frame)


@dataclass(frozen=True, order=True)
class PtslVersion:
    """PTSL's version: 1-5 until Pro Tools 2024.10, then year.month.revision (2025.6.0)."""

    major: int
    minor: int = 0
    revision: int = 0

    def __str__(self) -> str:
        if self.major < 2000:
            return str(self.major)
        return f"{self.major}.{self.minor}.{self.revision}"


MIN_VERSION = PtslVersion(3)  # Pro Tools 2024.3: the first number that means RegisterConnection
MIN_PRO_TOOLS = "2024.3"  # and GetTimelineSelection are there (PTSL 1 spans 2022.12-2023.9)
TRACK_VERSION = PtslVersion(2025, 6)  # ImportAudioToClipList + SpotClipsByID (existing track)
PROTO_VERSION = PtslVersion(2025, 10)  # py-ptsl 601's protocol: the newest header we can speak


@dataclass(frozen=True)
class SessionFormat:
    """The open session's sample rate and bit depth ("16" | "24" | "32f"), and its name."""

    rate: int
    bits: str
    name: str


@dataclass(frozen=True)
class SpotResult:
    """What landed where: the timecode used, the track(s) (a new track takes its file's name)
    and the files Pro Tools imported."""

    timecode: str
    tracks: tuple[str, ...]
    files: tuple[str, ...]
    new_tracks: bool


def check_timecode(at: str) -> str:
    """`at` if it is a timecode "HH:MM:SS:FF"; otherwise a one-line SpotError."""
    text = at.strip()
    if not _TIMECODE.match(text):
        raise SpotError(f"not a timecode: {at!r} (want HH:MM:SS:FF, e.g. 01:00:10:00)")
    return text


def checked_version(answer: dict[str, Any]) -> PtslVersion:
    version = PtslVersion(
        int(answer.get("version", 0)),
        int(answer.get("version_minor", 0)),
        int(answer.get("version_revision", 0)),
    )
    if version < MIN_VERSION:
        raise SpotError(
            f"Pro Tools speaks PTSL {version}, older than the {MIN_VERSION} this needs "
            f"(Pro Tools {MIN_PRO_TOOLS} or later)"
        )
    return version


def header_version(version: PtslVersion) -> tuple[int, int, int]:
    """Speak the server's version, or the newest this protocol knows if the server is newer."""
    use = min(version, PROTO_VERSION)
    return (use.major, use.minor, use.revision)
