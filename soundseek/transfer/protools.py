"""Spot rendered files into the open Pro Tools session over PTSL (Pro Tools Scripting SDK).

Owns what SoundSeek asks of Pro Tools and in which order: register, check the PTSL version
(first, so an old Pro Tools is one clear line, not a strange refusal later), read the
session's rate and bit depth (the caller renders to them), then import the files at a
timecode, copied into the session's Audio Files folder (the transfer folder is SoundSeek's;
the session must not depend on it). The wire (grpc, py-ptsl) lives in protools_client.

    with ProToolsBridge.connect(address) as pt:
        fmt = pt.session()
        pt.spot([render(source, fmt)], at="01:00:10:00", track=None)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from soundseek.errors import SpotError
from soundseek.transfer.protools_types import (
    TRACK_VERSION,
    PtslVersion,
    SessionFormat,
    SpotResult,
    check_timecode,
    checked_version,
    header_version,
)

if TYPE_CHECKING:
    from soundseek.transfer.protools_client import PtslWire

__all__ = [
    "DEFAULT_ADDRESS",
    "ProToolsBridge",
    "PtslVersion",
    "SessionFormat",
    "SpotResult",
    "check_timecode",
    "spot_sources",
]

DEFAULT_ADDRESS = "localhost:31416"
_BITS = {"Bit16": "16", "Bit24": "24", "Bit32Float": "32f"}
IMPORT_TIMEOUT_S = 600.0  # an import copies the files into the session: give it time


class ProToolsBridge:
    """A registered connection to one Pro Tools, its PTSL version already checked."""

    def __init__(self, wire: PtslWire, version: PtslVersion) -> None:
        self._wire = wire
        self._version = version

    @classmethod
    def connect(
        cls,
        address: str = DEFAULT_ADDRESS,
        company_name: str = "SoundSeek",
        application_name: str = "SoundSeek",
        timeout: float = 3.0,
    ) -> ProToolsBridge:
        """Reach Pro Tools (a SpotError within ~`timeout` s if nothing listens), register,
        and check its PTSL version before anything else."""
        try:
            from soundseek.transfer.protools_client import PtslWire
        except ImportError as exc:
            raise SpotError(
                f"spotting to Pro Tools needs py-ptsl (pip install 'soundseek[protools]'): {exc}"
            ) from None
        wire = PtslWire(address, timeout)
        try:
            wire.register(company_name, application_name)
            version = checked_version(wire.call("GetPTSLVersion"))
            wire.header_version = header_version(version)
        except BaseException:
            wire.close()
            raise
        return cls(wire, version)

    def __enter__(self) -> ProToolsBridge:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._wire.close()

    def version(self) -> PtslVersion:
        return self._version

    def session(self) -> SessionFormat:
        """The open session's format; SpotError "no session is open" when there is none."""
        name = self._wire.call("GetSessionName").get("session_name", "")
        rate_name = self._wire.call("GetSessionSampleRate").get("sample_rate", "")
        bits_name = self._wire.call("GetSessionBitDepth").get("current_setting", "")
        rate = rate_name.removeprefix("SR_")
        if not rate.isdigit() or bits_name not in _BITS:
            raise SpotError(
                f"Pro Tools reported an unknown session format: {rate_name} {bits_name}"
            )
        return SessionFormat(rate=int(rate), bits=_BITS[bits_name], name=name)

    def spot(self, files: Sequence[str], at: str | None, track: str | None) -> SpotResult:
        """Import `files` at `at` (None: the selection start) onto new tracks, or onto the
        existing track `track` (one file at a time; PTSL 2025.6 or later)."""
        paths = tuple(_existing(path) for path in files)
        if not paths:
            raise SpotError("nothing to spot: no files given")
        timecode = check_timecode(at) if at is not None else None
        if track is not None:
            self._check_track_spot(len(paths))
        timecode = timecode or self._selection_start()
        folder = self._audio_files_folder()
        if track is None:
            self._import_on_new_tracks(paths, timecode, folder)
            stems = tuple(os.path.splitext(os.path.basename(path))[0] for path in paths)
            return SpotResult(timecode, stems, paths, new_tracks=True)
        self._spot_on_track(paths, timecode, folder, track)
        return SpotResult(timecode, (track,), paths, new_tracks=False)

    def _check_track_spot(self, count: int) -> None:
        if self._version < TRACK_VERSION:
            raise SpotError(
                f"spotting onto an existing track needs PTSL {TRACK_VERSION} (Pro Tools 2025.6 "
                f"or later); this Pro Tools has PTSL {self._version}: leave the track out"
            )
        if count != 1:
            raise SpotError(f"one file at a time onto an existing track ({count} given)")

    def _selection_start(self) -> str:
        """The edit cursor / selection start, in the session's timecode."""
        if self._version >= TRACK_VERSION:  # 2025.6 renamed the field (and kept the old one)
            body = {"location_type": "TLType_TimeCode"}
        else:
            body = {"time_scale": "TimeCode"}
        start = self._wire.call("GetTimelineSelection", body).get("in_time", "")
        return check_timecode(start)

    def _audio_files_folder(self) -> str:
        """The session's "Audio Files" folder, in Pro Tools' own path style."""
        answer = self._wire.call("GetSessionPath")
        session_file = str(answer.get("session_path", {}).get("path", ""))
        sep = "\\" if "\\" in session_file else "/"
        if sep not in session_file:
            raise SpotError(f"Pro Tools reported no usable session path: {session_file!r}")
        return session_file.rsplit(sep, 1)[0] + sep + "Audio Files"

    def _import_on_new_tracks(self, paths: tuple[str, ...], timecode: str, folder: str) -> None:
        audio = {
            "file_list": list(paths),
            "audio_operations": "CopyAudio",
            "destination_path": folder,
            "audio_destination": "MD_NewTrack",
            "audio_location": "ML_Spot",
            "location_data": {
                "location_type": "Start",
                "location_value": timecode,
                "location_options": "TimeCode",
            },
        }
        body = {"import_type": "Audio", "audio_data": audio}
        self._wire.call("Import", body, timeout=IMPORT_TIMEOUT_S)

    def _spot_on_track(
        self, paths: tuple[str, ...], timecode: str, folder: str, track: str
    ) -> None:
        body = {
            "file_list": list(paths),
            "audio_operations": "CopyAudio",
            "destination_path": folder,
        }
        answer = self._wire.call("CId_ImportAudioToClipList", body, timeout=IMPORT_TIMEOUT_S)
        clips = _clip_ids(answer)
        location = {"location": timecode, "time_type": "TLType_TimeCode"}
        spot = {
            "src_clips": clips,
            "dst_track_name": track,
            "dst_location_data": {"location_type": "Start", "location": location},
        }
        self._wire.call("CId_SpotClipsByID", spot)


def spot_sources(
    bridge: ProToolsBridge,
    sources: Sequence[str],
    render: Callable[[str, SessionFormat], str],
    at: str | None,
    track: str | None,
) -> SpotResult:
    """Render each source at the session's format (`render` returns the finished file), then
    spot them all at once. The timecode is checked before anything is rendered."""
    if at is not None:
        check_timecode(at)
    session = bridge.session()
    return bridge.spot([render(source, session) for source in sources], at, track)


def _existing(path: str) -> str:
    full = os.path.abspath(path)
    if not os.path.isfile(full):
        raise SpotError(f"{full}: no such file to spot")
    return full


def _clip_ids(answer: dict[str, Any]) -> list[str]:
    """The clip ids Pro Tools made (a stereo file gives two); a failed file is a SpotError."""
    for failure in answer.get("failure_list", []):
        path = failure.get("file_path", "a file")
        reason = failure.get("failure_message", "no reason given")
        raise SpotError(f"Pro Tools could not import {path}: {reason}")
    clips = [
        clip
        for entry in answer.get("file_list", [])
        for made in entry.get("destination_file_list", [])
        for clip in made.get("clip_id_list", [])
    ]
    if not clips:
        raise SpotError("Pro Tools imported the file but reported no clip to spot")
    return clips
