"""Copies actions killed at any moment, then undone: the undo looks at the disk, checks it
against the journal's hashes, and puts every file back exactly once (no index needed)."""

from __future__ import annotations

import os
from pathlib import Path

from soundseek.index.tables.records import FileKey
from soundseek.writing.copy_actions import _take
from soundseek.writing.copy_journal import MOVE, TRASH, ActionEntry, ActionWriter, read_batch
from soundseek.writing.copy_undo import undo_batch, undo_last
from soundseek.writing.journal import UndoLog, sha256_file


class Hidden:
    def __init__(self) -> None:
        self.keys: set[FileKey] = set()

    def hidden_keys(self) -> set[FileKey]:
        return set(self.keys)

    def hide(self, keys) -> None:
        self.keys |= set(keys)

    def unhide(self, keys) -> None:
        self.keys -= set(keys)


def _file(path: Path, fill: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + fill * 4000)
    return str(path)


def _begin(journal: ActionWriter, n: int, path: str, target: str = "") -> ActionEntry:
    st = os.stat(path)
    entry = ActionEntry(n, path, "root", os.path.basename(path), st.st_size, st.st_mtime_ns,
                        sha256_file(path), target)  # fmt: skip
    journal.begin(entry)
    return entry


def test_a_move_killed_at_each_step_is_undone_from_what_the_disk_holds(tmp_path):
    lib, dest, root = tmp_path / "lib", tmp_path / "dest", tmp_path / "journal"
    dest.mkdir()
    a, b, c, d = (_file(lib / f"{n}.wav", bytes([i])) for i, n in enumerate("abcd", 1))
    before = {p: Path(p).read_bytes() for p in (a, b, c, d)}
    journal = ActionWriter(root, MOVE, str(dest))
    done = _begin(journal, 1, a, str(dest / "a.wav"))
    _take(MOVE, done, Hidden())
    journal.done(done)
    _take(MOVE, _begin(journal, 2, b, str(dest / "b.wav")), Hidden())  # killed before `done`
    _begin(journal, 3, c, str(dest / "c.wav"))  # killed before the move
    os.link(d, dest / "d.wav")  # killed between the link and the unlink
    _begin(journal, 4, d, str(dest / "d.wav"))
    journal._lines.close()  # the process died: no close()
    Path(b).write_bytes(b"a new take saved under the old name")  # b's name is taken since

    batch_id, _, outcomes = undo_last(root, Hidden())
    by_path = {u.path: u for u in outcomes}
    assert Path(a).read_bytes() == before[a] and by_path[a].restored
    b2 = str(lib / "b 2.wav")
    assert Path(b2).read_bytes() == before[b] and "kept both" in by_path[b2].reason
    assert Path(b).read_bytes() == b"a new take saved under the old name"
    assert not by_path[c].restored and "never moved" in by_path[c].reason
    assert Path(d).read_bytes() == before[d] and os.stat(d).st_nlink == 1
    assert sorted(os.listdir(dest)) == [], "nothing left behind at the destination"
    assert undo_last(root, Hidden()) == ("", "", []), "each file restored exactly once"
    assert read_batch(root / batch_id).undone


def test_an_undo_killed_midway_finishes_each_file_exactly_once(tmp_path):
    lib, dest, root = tmp_path / "lib", tmp_path / "dest", tmp_path / "journal"
    dest.mkdir()
    paths = [_file(lib / f"{i}.wav", bytes([i])) for i in range(3)]
    journal = ActionWriter(root, MOVE, str(dest))
    for n, p in enumerate(paths, 1):
        e = _begin(journal, n, p, str(dest / os.path.basename(p)))
        _take(MOVE, e, Hidden())
        journal.done(e)
    journal.close()
    batch = read_batch(journal.batch.folder)
    first = next(undo_batch(batch, Hidden()))  # one file back, then the undo is killed
    assert first.restored and os.path.exists(paths[-1])
    last = batch.entries[1]  # killed again: its move back done, its `end` line not written
    log = UndoLog(read_batch(batch.folder))
    log.add("begin", last.n)
    log.close()
    os.rename(last.target, last.path)
    _, _, outcomes = undo_last(root, Hidden())
    assert [u.restored for u in outcomes] == [True, True, True]
    assert all(os.path.exists(p) for p in paths) and os.listdir(dest) == []


def test_a_trash_killed_before_its_file_moved_leaves_no_stray_record(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    lib, root = tmp_path / "lib", tmp_path / "journal"
    gone, kept = _file(lib / "gone.wav", b"g"), _file(lib / "kept.wav", b"k")
    before = Path(gone).read_bytes()
    journal = ActionWriter(root, TRASH)
    _take(TRASH, _begin(journal, 1, gone), Hidden())
    _begin(journal, 2, kept)
    info = tmp_path / "xdg" / "Trash" / "info" / "kept.wav.trashinfo"
    info.write_text(f"[Trash Info]\nPath={kept}\nDeletionDate=2026-01-01T00:00:00\n")
    journal._lines.close()
    assert not os.path.exists(gone)
    _, _, outcomes = undo_last(root, Hidden())
    assert Path(gone).read_bytes() == before
    assert [u.restored for u in outcomes] == [False, True]
    assert "never trashed" in outcomes[0].reason
    assert os.listdir(tmp_path / "xdg" / "Trash" / "info") == []
    assert os.listdir(tmp_path / "xdg" / "Trash" / "files") == []


def test_damaged_journal_lines_are_skipped_and_reported(tmp_path):
    lib, dest, root = tmp_path / "lib", tmp_path / "dest", tmp_path / "journal"
    dest.mkdir()
    path = _file(lib / "x.wav", b"x")
    journal = ActionWriter(root, MOVE, str(dest))
    e = _begin(journal, 1, path, str(dest / "x.wav"))
    _take(MOVE, e, Hidden())
    journal.close()
    with open(journal.batch.folder / "actions.jsonl", "ab") as fh:
        fh.write(b'\xff not json\n{"op": "done", "n": 99}\n{"op": "beg')
    _, _, outcomes = undo_last(root, Hidden())
    problems = [u.reason for u in outcomes if not u.restored]
    assert len(problems) == 2 and "not UTF-8" in problems[0]
    assert os.path.exists(path) and os.listdir(dest) == []


def test_across_devices_a_move_is_a_verified_copy_and_a_kill_before_the_source_goes_is_undone(
    tmp_path, monkeypatch
):
    import errno

    from soundseek.writing import copy_moves

    real = copy_moves.move_no_replace

    def other_device(src, dst):  # a rename between devices fails; the partial copy's does not
        if not os.path.basename(src).endswith(copy_moves.PART_SUFFIX):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real(src, dst)

    monkeypatch.setattr(copy_moves, "move_no_replace", other_device)
    lib, dest, root = tmp_path / "lib", tmp_path / "dest", tmp_path / "journal"
    dest.mkdir()
    a, b = _file(lib / "a.wav", b"a"), _file(lib / "b.wav", b"b")
    before = {p: Path(p).read_bytes() for p in (a, b)}
    journal = ActionWriter(root, MOVE, str(dest))
    e = _begin(journal, 1, a, str(dest / "a.wav"))
    _take(MOVE, e, Hidden())
    journal.done(e)
    assert not os.path.exists(a) and Path(e.target).read_bytes() == before[a]
    _begin(journal, 2, b, str(dest / "b.wav"))  # killed after the copy, before the source went
    Path(dest / "b.wav").write_bytes(before[b])
    journal._lines.close()
    _, _, outcomes = undo_last(root, Hidden())
    assert [u.restored for u in outcomes] == [False, True]
    assert {p: Path(p).read_bytes() for p in (a, b)} == before
    assert os.listdir(dest) == [] and sorted(os.listdir(lib)) == ["a.wav", "b.wav"]
