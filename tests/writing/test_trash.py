"""Finding a trashed file's origin in the trash's own records: freedesktop .trashinfo (run for
real on Linux) and Windows $I files (their documented layouts, read from bytes here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from soundseek.writing.trash import (
    _recycle_bin_find,
    in_trash,
    recycle_info_origin,
    send_to_trash,
    trashinfo_origin,
)


def _i_file(version: int, path: str) -> bytes:
    head = version.to_bytes(8, "little") + (1234).to_bytes(8, "little") + bytes(8)
    name = (path + "\0").encode("utf-16-le")
    if version == 1:
        return head + name.ljust(520, b"\0")
    return head + (len(name) // 2).to_bytes(4, "little") + name


def test_windows_recycle_bin_records_of_both_versions_name_the_original(tmp_path):
    original = "D:\\SFX\\Doors\\Tür knarrt.wav"
    assert recycle_info_origin(_i_file(1, original)) == original
    assert recycle_info_origin(_i_file(2, original)) == original
    assert recycle_info_origin(b"\x07" + bytes(30)) == ""
    sid = tmp_path / "S-1-5-21-1"
    sid.mkdir()
    (sid / "$IAB12CD.wav").write_bytes(_i_file(2, original))
    (sid / "$RAB12CD.wav").write_bytes(b"audio")
    (sid / "$IXY.wav").write_bytes(_i_file(2, "D:\\other.wav"))
    [found] = _recycle_bin_find(original.upper(), bin_root=str(tmp_path))
    assert found.path == str(sid / "$RAB12CD.wav") and found.info == str(sid / "$IAB12CD.wav")


def test_trashinfo_paths_are_url_decoded_and_relative_to_the_volume(tmp_path):
    info = tmp_path / "x.trashinfo"
    info.write_bytes(b"[Trash Info]\nPath=SFX/T%C3%BCr%20knarrt.wav\nDeletionDate=2026\n")
    assert trashinfo_origin(str(info), "/media/drive") == "/media/drive/SFX/Tür knarrt.wav"


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the freedesktop trash")
def test_the_same_name_trashed_twice_is_found_by_its_own_origin(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    a, b = tmp_path / "a" / "take.wav", tmp_path / "b" / "take.wav"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(str(p).encode())
        send_to_trash(str(p))
    assert sorted(os.listdir(tmp_path / "xdg" / "Trash" / "files")) == ["take 1.wav", "take.wav"]
    [found] = in_trash(str(b))
    assert Path(found.path).read_bytes() == str(b).encode()
