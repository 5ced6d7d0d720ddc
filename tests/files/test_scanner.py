from __future__ import annotations

import os

from soundseek.files.roots import new_root
from soundseek.files.scanner import scan


def _touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_finds_audio_by_extension_and_skips_clutter(tmp_path):
    keep = [
        _touch(tmp_path / "a.WAV"), _touch(tmp_path / "sub" / "b.flac"),
        _touch(tmp_path / "sub" / "c.aiff"), _touch(tmp_path / "d.ogg"),
        _touch(tmp_path / "e.mp3"), _touch(tmp_path / "f.opus"), _touch(tmp_path / "g.bwf"),
    ]  # fmt: skip
    for junk in ("._a.wav", ".hidden.wav", ".Trashes/x.wav", "__MACOSX/y.wav",
                 ".Trash-1000/z.wav", "notes.txt", "video.mp4"):  # fmt: skip
        _touch(tmp_path / junk)
    found = sorted(f.path for f in scan([new_root(tmp_path)]))
    assert found == sorted(str(p) for p in keep)


def test_symlink_loops_do_not_hang_or_duplicate(tmp_path):
    _touch(tmp_path / "lib" / "x.wav")
    os.symlink(tmp_path / "lib", tmp_path / "lib" / "loop")
    found = [f.path for f in scan([new_root(tmp_path / "lib")])]
    assert len(found) == 1


def test_exclusion_patterns_and_size_mtime_recorded(tmp_path):
    a = _touch(tmp_path / "keep.wav", b"1234")
    _touch(tmp_path / "Bounces" / "mix.wav")
    found = list(scan([new_root(tmp_path)], exclusions=["*/Bounces"]))
    assert [f.path for f in found] == [str(a)]
    assert found[0].size == 4
    assert found[0].mtime_ns == os.stat(a).st_mtime_ns


def test_dangling_symlink_and_vanished_root_are_not_fatal(tmp_path):
    _touch(tmp_path / "ok.wav")
    os.symlink(tmp_path / "gone.wav", tmp_path / "dangling.wav")
    problems = []
    found = list(
        scan([new_root(tmp_path), new_root(tmp_path / "unplugged drive")], problems=problems)
    )
    assert [os.path.basename(f.path) for f in found] == ["ok.wav"]
    assert [p.path for p in problems] == [str(tmp_path / "unplugged drive")]


def test_files_are_relative_to_their_root_and_nested_roots_own_their_subtree(tmp_path):
    _touch(tmp_path / "SFX" / "top.wav")
    _touch(tmp_path / "SFX" / "Foley" / "my_steps" / "step.wav")
    outer, inner = new_root(tmp_path / "SFX"), new_root(tmp_path / "SFX" / "Foley")
    found = {(f.root_id, f.relpath) for f in scan([outer, inner])}
    assert found == {(outer.id, "top.wav"), (inner.id, "my_steps/step.wav")}
