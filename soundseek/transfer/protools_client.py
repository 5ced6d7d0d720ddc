"""The wire to Pro Tools: one gRPC channel speaking PTSL with py-ptsl's protocol definitions.

The only module in SoundSeek that imports grpc or ptsl (an import-linter contract keeps it so).
It fails fast when nothing listens, puts a deadline on every call, checks each request body
against the protocol's message before it leaves, hands back each answer as a dict with the
protocol's own enum names, and turns every failure into one SpotError line. py-ptsl's Client is
not used: it waits without a deadline, prints to stderr and ignores a refused registration.
"""

from __future__ import annotations

import json
import re
from typing import Any

import grpc
from google.protobuf import json_format
from ptsl import PTSL_pb2 as pt
from ptsl import PTSL_pb2_grpc

from soundseek.errors import SpotError

# py-ptsl's own request header version; replaced by the server's once it is known.
FIRST_HEADER_VERSION = (5, 0, 0)
CALL_TIMEOUT_S = 30.0  # one command's deadline unless the caller gives another

_MESSAGES = {  # Pro Tools' error types a user can act on, in words
    "PT_NoOpenedSession": "no session is open in Pro Tools",
    "PT_UnsupportedCommand": "this Pro Tools does not support {command}",
    "SDK_NotImplemented": "this Pro Tools does not support {command}",
    "PT_NoTrackFound": "Pro Tools has no such track ({message})",
    "PT_HostIsBusy": "Pro Tools is busy (a dialog may be open); try again",
    "PT_HostNotReady": "Pro Tools is still starting; try again in a moment",
}


def one_line(text: str) -> str:
    """Pro Tools' and gRPC's texts folded onto one line."""
    return re.sub(r"\s+", " ", text).strip()


class PtslWire:
    """A registered-or-not PTSL connection: `call(command, body) -> dict`."""

    def __init__(self, address: str, timeout: float) -> None:
        self.address = address
        self.header_version = FIRST_HEADER_VERSION
        self.session_id = ""
        self._channel = grpc.insecure_channel(address)
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            self._channel.close()
            raise SpotError(f"Pro Tools is not running or not reachable at {address}") from None
        self._rpc = PTSL_pb2_grpc.PTSLStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def register(self, company_name: str, application_name: str) -> None:
        """RegisterConnection: the session id every later request carries."""
        body = {"company_name": company_name, "application_name": application_name}
        answer = self.call("RegisterConnection", body)
        self.session_id = str(answer.get("session_id", ""))
        if not self.session_id:
            raise SpotError("Pro Tools refused the connection: it gave no session id")

    def call(
        self, command: str, body: dict[str, Any] | None = None, timeout: float = CALL_TIMEOUT_S
    ) -> dict[str, Any]:
        """Send one command; its answer as a dict (empty when Pro Tools sent no body)."""
        major, minor, revision = self.header_version
        header = pt.RequestHeader(
            command=pt.CommandId.Value(command),
            session_id=self.session_id,
            version=major,
            version_minor=minor,
            version_revision=revision,
        )
        request = pt.Request(header=header, request_body_json=_request_json(command, body))
        try:
            response = self._rpc.SendGrpcRequest(request, timeout=timeout)
        except grpc.RpcError as exc:
            raise self._rpc_error(exc, _named(command), timeout) from None
        status = pt.TaskStatus.Name(response.header.status)
        if status == "Failed":
            raise SpotError(_refusal(_named(command), response.response_error_json))
        if status != "Completed":
            raise SpotError(f"Pro Tools answered {_named(command)} with {status}, not a result")
        return _answer(command, response.response_body_json)

    def _rpc_error(self, exc: grpc.RpcError, command: str, timeout: float) -> SpotError:
        code = exc.code() if hasattr(exc, "code") else None
        if code == grpc.StatusCode.UNAVAILABLE:
            return SpotError(f"Pro Tools is not running or not reachable at {self.address}")
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return SpotError(f"Pro Tools did not answer {command} within {timeout:g} s")
        details = exc.details() if hasattr(exc, "details") else str(exc)
        return SpotError(f"Pro Tools refused {command}: {one_line(details or str(code))}")


def _named(command: str) -> str:
    """A command as Pro Tools' documentation names it ("CId_SpotClipsByID" -> "SpotClipsByID")."""
    return command.removeprefix("CId_")


def _body_type(command: str, suffix: str) -> type | None:
    """The protocol's message for a command's request or response body, if it has one."""
    return getattr(pt, f"{_named(command)}{suffix}", None)


def _request_json(command: str, body: dict[str, Any] | None) -> str:
    """The body checked against the protocol (a wrong field or enum name fails here, not in
    Pro Tools) and written with the protocol's first name for each enum value."""
    if body is None:
        return ""
    message_type = _body_type(command, "RequestBody")
    if message_type is None:
        return json.dumps(body)
    message = json_format.ParseDict(body, message_type())
    return json_format.MessageToJson(message, preserving_proto_field_name=True, indent=None)


def _answer(command: str, body_json: str) -> dict[str, Any]:
    if not body_json:
        return {}
    message_type = _body_type(command, "ResponseBody")
    if message_type is None:
        return json.loads(body_json)
    try:
        message = json_format.Parse(body_json, message_type(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise SpotError(
            f"Pro Tools' answer to {command} is unreadable: {one_line(str(exc))}"
        ) from None
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _refusal(command: str, error_json: str) -> str:
    """The first real error (warnings skipped) of a failed command, as one line."""
    try:
        errors = [
            error
            for error in json.loads(error_json or "{}").get("errors", [])
            if not error.get("is_warning")
        ]
    except (ValueError, AttributeError):
        errors = []
    if not errors:
        return f"Pro Tools refused {command}"
    kind = str(errors[0].get("command_error_type", ""))
    message = one_line(str(errors[0].get("command_error_message", "")))
    kind = kind.removeprefix("CEType_")
    if kind.isdigit() and int(kind) in pt.CommandErrorType.values():
        kind = pt.CommandErrorType.Name(int(kind)).removeprefix("CEType_")
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(command=command, message=message or "no name given")
    return f"Pro Tools refused {command}: {message or kind}"
