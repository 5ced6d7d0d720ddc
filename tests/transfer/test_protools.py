"""Spot to Pro Tools over PTSL, against a stand-in Pro Tools speaking the same protocol."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundseek.errors import SpotError
from soundseek.transfer.protools import (
    ProToolsBridge,
    SessionFormat,
    SpotResult,
    spot_sources,
)
from tests.transfer.ptsl_standin import PtslStandIn

_SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}


def renderer(folder: Path, rendered: list[str]):
    """A fake transfer: a short stereo WAV at the session's format, named after the source."""

    def render(source: str, session: SessionFormat) -> str:
        path = folder / f"{Path(source).stem}.wav"
        tone = 0.1 * np.sin(np.linspace(0, 200, session.rate // 20))
        sf.write(path, np.stack([tone, tone], axis=1), session.rate, _SUBTYPES[session.bits])
        rendered.append(str(path))
        return str(path)

    return render


def spot(standin: PtslStandIn, tmp_path: Path, at: str | None, track: str | None = None):
    rendered: list[str] = []
    with ProToolsBridge.connect(standin.address) as pt:
        result = spot_sources(pt, ["/lib/door slam.flac"], renderer(tmp_path, rendered), at, track)
    return result, rendered


def one_line_error(excinfo: pytest.ExceptionInfo[SpotError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def test_an_old_pro_tools_is_one_line_before_anything_else(ptsl_standin: PtslStandIn) -> None:
    ptsl_standin.version = (2, 0, 0)
    with pytest.raises(SpotError) as excinfo:
        ProToolsBridge.connect(ptsl_standin.address)
    assert one_line_error(excinfo) == (
        "Pro Tools speaks PTSL 2, older than the 3 this needs (Pro Tools 2024.3 or later)"
    )
    assert ptsl_standin.commands() == ["RegisterConnection", "GetPTSLVersion"]


def test_no_pro_tools_listening_fails_fast_in_one_line() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    began = time.monotonic()
    with pytest.raises(SpotError) as excinfo:
        ProToolsBridge.connect(address, timeout=0.5)
    assert time.monotonic() - began < 2.0
    assert one_line_error(excinfo) == f"Pro Tools is not running or not reachable at {address}"


def test_a_refusal_is_one_line_with_pro_tools_message(ptsl_standin, tmp_path) -> None:
    ptsl_standin.refuse["Import"] = "Could not complete the Import Audio command\nDisk is full."
    with pytest.raises(SpotError) as excinfo:
        spot(ptsl_standin, tmp_path, at="01:00:10:00")
    assert one_line_error(excinfo) == (
        "Pro Tools refused Import: Could not complete the Import Audio command Disk is full."
    )


def test_no_session_open_says_so(ptsl_standin: PtslStandIn) -> None:
    ptsl_standin.session_open = False
    with ProToolsBridge.connect(ptsl_standin.address) as pt, pytest.raises(SpotError) as excinfo:
        pt.session()
    assert one_line_error(excinfo) == "no session is open in Pro Tools"


def test_the_session_format_is_read_as_pro_tools_reports_it(ptsl_standin) -> None:
    ptsl_standin.rate, ptsl_standin.bits = 96000, "Bit32Float"
    with ProToolsBridge.connect(ptsl_standin.address) as pt:
        assert pt.session() == SessionFormat(rate=96000, bits="32f", name="Film")
        assert str(pt.version()) == "2025.10.0"


def test_without_a_timecode_the_sound_lands_at_the_selection_start(ptsl_standin, tmp_path):
    ptsl_standin.rate, ptsl_standin.bits = 44100, "Bit16"
    ptsl_standin.selection = ("00:59:58:12", "01:00:02:00")
    result, rendered = spot(ptsl_standin, tmp_path, at=None)

    assert ptsl_standin.file_problems == []
    audio = ptsl_standin.last("Import").body["audio_data"]
    assert audio["file_list"] == rendered
    assert audio["location_data"] == {
        "location_type": "Start",
        "location_value": "00:59:58:12",
        "location_options": "TimeCode",
    }
    assert (audio["audio_destination"], audio["audio_location"]) == ("MD_NewTrack", "ML_Spot")
    assert audio["audio_operations"] == "CopyAudio"  # the session owns its copy
    assert audio["destination_path"] == str(ptsl_standin.session_folder / "Audio Files")
    assert (ptsl_standin.session_folder / "Audio Files" / "door slam.wav").is_file()
    assert result == SpotResult("00:59:58:12", ("door slam",), tuple(rendered), new_tracks=True)
    selection = ptsl_standin.last("GetTimelineSelection").body
    assert selection == {"location_type": "TLType_TimeCode"}


def test_a_timecode_given_is_sent_as_given(ptsl_standin, tmp_path) -> None:
    ptsl_standin.version = (5, 0, 0)  # Pro Tools 2024.10: the old header, the old import
    result, _ = spot(ptsl_standin, tmp_path, at="01:00:10:00")

    assert ptsl_standin.file_problems == []
    location = ptsl_standin.last("Import").body["audio_data"]["location_data"]
    assert location["location_value"] == "01:00:10:00"
    assert "GetTimelineSelection" not in ptsl_standin.commands()
    assert ptsl_standin.last("Import").header_version == (5, 0, 0)
    assert result.timecode == "01:00:10:00"


def test_a_track_given_receives_the_clip_at_the_timecode(ptsl_standin, tmp_path) -> None:
    result, rendered = spot(ptsl_standin, tmp_path, at="01:00:10:00", track="FX 1")

    assert ptsl_standin.file_problems == []
    assert ptsl_standin.commands()[-2:] == ["ImportAudioToClipList", "SpotClipsByID"]
    placed = ptsl_standin.last("SpotClipsByID")
    assert placed.body["dst_track_name"] == "FX 1"
    assert sorted(placed.body["src_clips"]) == sorted(ptsl_standin.clips)  # both channels
    assert len(placed.body["src_clips"]) == 2
    assert placed.body["dst_location_data"] == {
        "location_type": "Start",
        "location": {"location": "01:00:10:00", "time_type": "TLType_TimeCode"},
    }
    assert placed.header_version == (2025, 10, 0)
    assert ptsl_standin.last("ImportAudioToClipList").body["file_list"] == rendered
    assert result == SpotResult("01:00:10:00", ("FX 1",), tuple(rendered), new_tracks=False)


def test_a_track_on_a_pro_tools_before_2025_6_is_refused_before_importing(
    ptsl_standin, tmp_path
) -> None:
    ptsl_standin.version = (5, 0, 0)
    with pytest.raises(SpotError) as excinfo:
        spot(ptsl_standin, tmp_path, at="01:00:10:00", track="FX 1")
    assert "needs PTSL 2025.6.0 (Pro Tools 2025.6 or later)" in one_line_error(excinfo)
    assert not {"Import", "ImportAudioToClipList"} & set(ptsl_standin.commands())


def test_a_bad_timecode_is_refused_before_anything_is_rendered(ptsl_standin, tmp_path) -> None:
    with pytest.raises(SpotError) as excinfo:
        spot(ptsl_standin, tmp_path, at="1:00:10")
    assert one_line_error(excinfo) == (
        "not a timecode: '1:00:10' (want HH:MM:SS:FF, e.g. 01:00:10:00)"
    )
    assert list(tmp_path.glob("*.wav")) == []
    assert "GetSessionSampleRate" not in ptsl_standin.commands()


def test_without_py_ptsl_spotting_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "soundseek.transfer.protools_client", None)
    with pytest.raises(SpotError) as excinfo:
        ProToolsBridge.connect()
    assert "pip install 'soundseek[protools]'" in one_line_error(excinfo)
