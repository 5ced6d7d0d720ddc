"""A stand-in Pro Tools: a PTSL gRPC server on 127.0.0.1 built from py-ptsl's own protocol
(the PTSL servicer base, the PTSL_pb2 messages), answering the commands SoundSeek sends the way
Pro Tools does, configurable (session format, PTSL version, refusals, no session open) and
recording every request (command name, parsed body, header version) for tests to assert on.

Imports are checked the moment they arrive, as Pro Tools would read them: every path exists and
is a finished WAV (soundfile reads all of it; the RIFF sizes match the file's length) at the
session's rate. A file that fails is refused and listed in `file_problems`. An import copies the
files into the destination folder, as Pro Tools' Copy Audio does.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import threading
import uuid
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import soundfile as sf
from google.protobuf import json_format
from ptsl import PTSL_pb2 as pt
from ptsl import PTSL_pb2_grpc

_NEEDS_SESSION = {
    "GetSessionName",
    "GetSessionPath",
    "GetSessionSampleRate",
    "GetSessionBitDepth",
    "GetTimelineSelection",
    "Import",
    "ImportAudioToClipList",
    "SpotClipsByID",
}
_SINCE_2025_6 = {"ImportAudioToClipList", "SpotClipsByID"}


@dataclass
class Received:
    """One request as Pro Tools would see it."""

    command: str  # without the "CId_" prefix
    body: dict[str, Any]
    header_version: tuple[int, int, int]
    session_id: str


class CommandFailed(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class PtslStandIn(PTSL_pb2_grpc.PTSLServicer):
    """Configure by attribute (read at each request); `requests` holds what arrived."""

    session_folder: Path
    rate: int = 48000
    bits: str = "Bit24"
    version: tuple[int, int, int] = (2025, 10, 0)
    session_open: bool = True
    selection: tuple[str, str] = ("01:00:04:00", "01:00:06:00")
    tracks: tuple[str, ...] = ("Dialog", "FX 1")
    refuse: dict[str, str] = field(default_factory=dict)  # command -> Pro Tools' message
    requests: list[Received] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    clips: dict[str, str] = field(default_factory=dict)  # clip id -> copied file
    address: str = ""
    _session_id: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: Any = None

    def start(self) -> PtslStandIn:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        PTSL_pb2_grpc.add_PTSLServicer_to_server(self, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self.address = f"127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)

    @property
    def session_file(self) -> str:
        return str(self.session_folder / "Film.ptx")

    def commands(self) -> list[str]:
        return [request.command for request in self.requests]

    def last(self, command: str) -> Received:
        return [request for request in self.requests if request.command == command][-1]

    def SendGrpcRequest(self, request: pt.Request, context: Any) -> pt.Response:
        command = pt.CommandId.Name(request.header.command).removeprefix("CId_")
        try:
            with self._lock:
                body = self._parse(command, request.request_body_json)
                self.requests.append(_received(command, body, request.header))
                answer = self._answer(command, body, request.header.session_id)
        except CommandFailed as failed:
            return _failed(request.header.command, failed)
        return pt.Response(
            header=pt.ResponseHeader(command=request.header.command, status=pt.Completed),
            response_body_json=json.dumps(answer) if answer else "",
        )

    def _parse(self, command: str, body_json: str) -> dict[str, Any]:
        """The body read strictly against the protocol, as Pro Tools reads it."""
        message_type = getattr(pt, f"{command}RequestBody", None)
        if not body_json or message_type is None:
            return json.loads(body_json) if body_json else {}
        try:
            message = json_format.Parse(body_json, message_type())
        except json_format.ParseError as exc:
            raise CommandFailed("PT_InvalidParameter", str(exc)) from None
        return json_format.MessageToDict(message, preserving_proto_field_name=True)

    def _answer(self, command: str, body: dict[str, Any], session_id: str) -> dict[str, Any]:
        if command != "RegisterConnection" and session_id != self._session_id:
            raise CommandFailed("SDK_SessionIdParseError", "connection not registered")
        if command in _SINCE_2025_6 and self.version < (2025, 6, 0):
            raise CommandFailed("PT_UnsupportedCommand", f"{command} is not supported")
        if command in self.refuse:
            raise CommandFailed("PT_UnknownError", self.refuse[command])
        if command in _NEEDS_SESSION and not self.session_open:
            raise CommandFailed("PT_NoOpenedSession", "No session is open")
        return getattr(self, f"_do_{command}")(body)

    def _do_RegisterConnection(self, body: dict[str, Any]) -> dict[str, Any]:
        self._session_id = str(uuid.uuid4())
        return {"session_id": self._session_id}

    def _do_GetPTSLVersion(self, body: dict[str, Any]) -> dict[str, Any]:
        major, minor, revision = self.version
        return {"version": major, "version_minor": minor, "version_revision": revision}

    def _do_GetSessionName(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"session_name": "Film"}

    def _do_GetSessionPath(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"session_path": {"path": self.session_file, "info": {"is_online": True}}}

    def _do_GetSessionSampleRate(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"sample_rate": f"SR_{self.rate}"}

    def _do_GetSessionBitDepth(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"current_setting": self.bits, "possible_settings": ["Bit16", "Bit24"]}

    def _do_GetTimelineSelection(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"in_time": self.selection[0], "out_time": self.selection[1]}

    def _do_Import(self, body: dict[str, Any]) -> dict[str, Any]:
        audio = body.get("audio_data", {})
        self._copy_in(audio.get("file_list", []), audio.get("destination_path", ""))
        return {"file_list": audio.get("file_list", [])}

    def _do_ImportAudioToClipList(self, body: dict[str, Any]) -> dict[str, Any]:
        copies = self._copy_in(body.get("file_list", []), body.get("destination_path", ""))
        entries = []
        for original, copy in copies:
            ids = [str(uuid.uuid4()) for _ in range(sf.info(copy).channels)]  # a clip a channel
            self.clips.update(dict.fromkeys(ids, copy))
            made = {"file_id": str(uuid.uuid4()), "file_path": copy, "clip_id_list": ids}
            entries.append({"original_input_path": original, "destination_file_list": [made]})
        return {"file_list": entries}

    def _do_SpotClipsByID(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("dst_track_name") not in self.tracks:
            raise CommandFailed("PT_NoTrackFound", str(body.get("dst_track_name")))
        unknown = [clip for clip in body.get("src_clips", []) if clip not in self.clips]
        if unknown or not body.get("src_clips"):
            raise CommandFailed("PT_NoClipsFound", f"no such clips: {unknown}")
        return {}

    def _copy_in(self, paths: list[str], folder: str) -> list[tuple[str, str]]:
        """Check each file as it arrives, then copy it into the session (Copy Audio)."""
        problems = [problem for path in paths for problem in wav_problems(path, self.rate)]
        self.file_problems.extend(problems)
        if problems or not paths:
            raise CommandFailed("PT_FileNotFound", "; ".join(problems) or "no files")
        os.makedirs(folder, exist_ok=True)
        return [(path, shutil.copy(path, folder)) for path in paths]


def wav_problems(path: str, rate: int) -> list[str]:
    """What would stop Pro Tools importing `path` as a finished WAV at `rate` (empty: fine)."""
    if not os.path.isfile(path):
        return [f"{path}: missing"]
    problems = _riff_problems(path)
    try:
        info = sf.info(path)
        frames = len(sf.read(path, always_2d=True)[0])
    except (RuntimeError, sf.LibsndfileError) as exc:
        return [*problems, f"{path}: unreadable ({exc})"]
    if frames != info.frames:
        problems.append(f"{path}: {frames} of {info.frames} frames readable")
    if info.samplerate != rate:
        problems.append(f"{path}: {info.samplerate} Hz in a {rate} Hz session")
    return problems


def _riff_problems(path: str) -> list[str]:
    """The RIFF size and every chunk size add up to the file's length."""
    data = Path(path).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return [f"{path}: not a RIFF WAVE"]
    problems = []
    if struct.unpack("<I", data[4:8])[0] != len(data) - 8:
        problems.append(f"{path}: RIFF size {struct.unpack('<I', data[4:8])[0]} != {len(data) - 8}")
    offset = 12
    while offset + 8 <= len(data):
        size = struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        offset += 8 + size + (size & 1)
    if offset != len(data):
        problems.append(f"{path}: chunks end at {offset}, the file at {len(data)}")
    return problems


def _received(command: str, body: dict[str, Any], header: pt.RequestHeader) -> Received:
    version = (header.version, header.version_minor, header.version_revision)
    return Received(command, body, version, header.session_id)


def _failed(command_id: int, failed: CommandFailed) -> pt.Response:
    error = {"command_error_type": failed.kind, "command_error_message": failed.message}
    return pt.Response(
        header=pt.ResponseHeader(command=command_id, status=pt.Failed),
        response_error_json=json.dumps({"errors": [error]}),
    )
