"""Undo and write never lose a file: long names, a new file at a renamed file's old name,
another program saving mid-write, a damaged journal, links, bad journal lines, long UCS
names, kill -9 of undo at random points, a full disk."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from soundseek.metadata.fields import MetadataChange
from soundseek.writing.batch import run_batch
from soundseek.writing.plan import PlannedWrite
from tests.audiofiles import noise, tone, write_bwf


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: _digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def _write(journal: Path, paths, kw: str = "keeper", renames: dict | None = None) -> list:
    renames = renames or {}
    plans = [PlannedWrite(str(p), MetadataChange(keywords=kw), {},
                          new_path=str(renames.get(p, ""))) for p in paths]  # fmt: skip
    return [p.outcome for p in run_batch(plans, journal)]


def _undo(journal: Path):
    from soundseek.app.writing import undo

    return undo(journal)


def _lib(tmp_path: Path, n: int = 2) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(n):
        write_bwf(lib / f"f{i}.wav", tone(0.2, 300 + 100 * i))
    return lib


@pytest.fixture(autouse=True)
def _no_stray_temps(tmp_path):
    yield
    assert not [p for p in tmp_path.rglob("*.soundseek-tmp")], "no temporary copy left behind"


# -- 1. long names ----------------------------------------------------------------------------
def test_a_250_byte_file_name_is_written_and_undone(tmp_path):
    lib = _lib(tmp_path, 1)
    long = write_bwf(lib / ("a" * 246 + ".wav"), tone(0.2, 500))
    assert len(long.name.encode()) == 250
    before, journal = _snapshot(lib), tmp_path / "journal"
    outs = _write(journal, sorted(lib.iterdir()))
    assert [o.status for o in outs] == ["written", "written"], [o.reason for o in outs]
    batch_id, undone = _undo(journal)
    assert batch_id and all(u.restored for u in undone)
    assert _snapshot(lib) == before


def test_one_file_that_cannot_be_restored_does_not_stop_the_others(tmp_path):
    from soundseek.writing.journal import batches

    lib = _lib(tmp_path, 3)
    before, journal = _snapshot(lib), tmp_path / "journal"
    _write(journal, sorted(lib.iterdir()))
    entry = next(batches(journal)).entries[1]
    Path(entry.temp).mkdir()  # something in the way that cannot be removed as a file
    (Path(entry.temp) / "x").write_text("x")
    _, undone = _undo(journal)
    by_name = {Path(u.path).name: u for u in undone}
    assert by_name["f0.wav"].restored and by_name["f2.wav"].restored
    assert not by_name["f1.wav"].restored and "run undo again" in by_name["f1.wav"].reason
    (Path(entry.temp) / "x").unlink()
    Path(entry.temp).rmdir()
    batch_id, again = _undo(journal)
    assert batch_id == next(batches(journal)).id, "the same batch, not an older one"
    assert all(u.restored for u in again)
    assert _snapshot(lib) == before


# -- 2. a new file at a renamed file's old name -----------------------------------------------
def test_undo_of_a_rename_keeps_a_new_file_saved_under_the_old_name(tmp_path):
    lib = _lib(tmp_path, 0)
    take = write_bwf(lib / "take1.wav", tone(0.3, 440))
    original = take.read_bytes()
    renamed = lib / "DOORWood_Creak_JD_LIB.wav"
    journal = tmp_path / "journal"
    assert [o.status for o in _write(journal, [take], renames={take: renamed})] == ["written"]
    assert renamed.exists() and not take.exists()
    write_bwf(take, noise(0.3, seed=5))  # the user records a new take1.wav
    new_take = take.read_bytes()
    _, undone = _undo(journal)
    assert [u.restored for u in undone] == [True]
    assert take.read_bytes() == new_take, "the new take1.wav is never overwritten"
    numbered = lib / "take1 (2).wav"
    assert numbered.read_bytes() == original
    assert Path(undone[0].path) == numbered and "kept both" in undone[0].reason
    assert not renamed.exists()


# -- 3. another program saves the file mid-write -----------------------------------------------
def _saves_meanwhile(monkeypatch, how: str) -> None:
    from soundseek.writing import safefile

    real = safefile._write_temp

    def write_temp(path, temp, change, wave):
        out = real(path, temp, change, wave)
        data = bytearray(Path(path).read_bytes())
        data[-10:] = b"\x01" * 10  # another program's edit, same size
        if how == "replace":
            side = Path(path).with_name("other-app.tmp")
            side.write_bytes(bytes(data))
            os.replace(side, path)
        else:  # overwritten in place, its time put back
            st = os.stat(path)
            with open(path, "r+b") as fh:
                fh.write(bytes(data))
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return out

    monkeypatch.setattr(safefile, "_write_temp", write_temp)


@pytest.mark.parametrize("how", ["replace", "in place"])
def test_a_file_saved_by_another_program_mid_write_is_left_as_it_saved_it(
    tmp_path, monkeypatch, how
):
    lib = _lib(tmp_path, 1)
    wav = lib / "f0.wav"
    journal = tmp_path / "journal"
    _saves_meanwhile(monkeypatch, how)
    outs = _write(journal, [wav])
    theirs = wav.read_bytes()
    assert outs[0].status == "refused" and "changed while" in outs[0].reason
    assert theirs[-10:] == b"\x01" * 10, "the other program's change is kept"
    assert b"keeper" not in theirs
    assert _undo(journal) == ("", []), "nothing was replaced: nothing to undo"


# -- 4. a damaged journal ---------------------------------------------------------------------
def test_damaged_saved_bytes_are_refused_not_restored(tmp_path):
    lib = _lib(tmp_path, 2)
    journal = tmp_path / "journal"
    _write(journal, sorted(lib.iterdir()))
    written = _snapshot(lib)
    keep = next(journal.rglob("keep/2.bin"))
    keep.write_bytes(b"\0" * keep.stat().st_size)
    _, undone = _undo(journal)
    by_name = {Path(u.path).name: u for u in undone}
    assert by_name["f0.wav"].restored
    assert not by_name["f1.wav"].restored and "damaged" in by_name["f1.wav"].reason
    assert _digest(lib / "f1.wav") == written["f1.wav"], "left as SoundSeek wrote it"
    assert sf.info(str(lib / "f1.wav")).frames > 0


def _as_format_1(journal: Path) -> None:
    """Rewrite a batch's lines as SoundSeek wrote them before journals had a format."""
    new = {"ino", "sha256", "keep_sha256", "new_sha256", "dropped", "link"}
    for path in journal.rglob("entries.jsonl"):
        out = []
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if rec["op"] != "batch":
                out.append(json.dumps({k: v for k, v in rec.items() if k not in new}))
        path.write_text("".join(x + "\n" for x in out))


def test_a_format_1_journal_is_still_undone_and_checked(tmp_path):
    lib = _lib(tmp_path, 2)
    before, journal = _snapshot(lib), tmp_path / "journal"
    _write(journal, sorted(lib.iterdir()))
    _as_format_1(journal)
    keep = next(journal.rglob("keep/2.bin"))
    keep.write_bytes(b"\0" * keep.stat().st_size)
    _, undone = _undo(journal)
    by_name = {Path(u.path).name: u for u in undone}
    assert by_name["f0.wav"].restored and _digest(lib / "f0.wav") == before["f0.wav"]
    assert not by_name["f1.wav"].restored and "damaged" in by_name["f1.wav"].reason


# -- 5. links ---------------------------------------------------------------------------------
@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_a_symlink_is_written_through_and_hard_links_are_refused(tmp_path):
    lib = _lib(tmp_path, 0)
    store = tmp_path / "elsewhere"
    store.mkdir()
    target = write_bwf(store / "target.wav", tone(0.2, 600))
    link = lib / "link.wav"
    link.symlink_to(target)
    h1 = write_bwf(lib / "h1.wav", tone(0.2, 700))
    h2 = lib / "h2.wav"
    os.link(h1, h2)
    original, hard = target.read_bytes(), h1.read_bytes()
    journal = tmp_path / "journal"
    outs = {Path(o.path).name: o for o in _write(journal, [link, h1])}
    assert outs["link.wav"].status == "written" and "symbolic link" in outs["link.wav"].reason
    assert link.is_symlink() and b"keeper" in target.read_bytes(), "the link stays a link"
    assert outs["h1.wav"].status == "refused" and "hard links" in outs["h1.wav"].reason
    assert os.path.samefile(h1, h2) and h1.read_bytes() == hard
    _, undone = _undo(journal)
    assert [u.restored for u in undone] == [True] and undone[0].path == str(link)
    assert link.is_symlink() and target.read_bytes() == original


# -- 6. bad journal lines ---------------------------------------------------------------------
def test_bad_journal_lines_are_skipped_and_reported_and_the_rest_undone(tmp_path):
    lib = _lib(tmp_path, 2)
    before, journal = _snapshot(lib), tmp_path / "journal"
    _write(journal, sorted(lib.iterdir()))
    entries = next(journal.rglob("entries.jsonl"))
    lines = entries.read_bytes().split(b"\n")
    begin = json.loads(lines[1])
    begin["added_by_a_newer_version"] = 1
    lines[1] = json.dumps(begin).encode()
    lines[2:2] = [b"[]", b'{"op": "done", "n": "x"}', b"\xff\xfe not utf-8"]
    entries.write_bytes(b"\n".join(lines))
    _, undone = _undo(journal)
    restored = [u for u in undone if u.restored]
    skipped = [u.reason for u in undone if not u.restored]
    assert len(restored) == 2 and _snapshot(lib) == before
    assert len(skipped) == 3 and any("not UTF-8" in r for r in skipped)


# -- 7. long UCS names ------------------------------------------------------------------------
def test_a_300_character_fx_name_is_cut_to_the_file_systems_limit(tmp_path):
    from soundseek.writing.plan import ucs_name

    lib = _lib(tmp_path, 2)
    before, journal, taken = _snapshot(lib), tmp_path / "journal", set()
    want = MetadataChange(catid="DOORWood", fx_name="Créak " * 50, creator_id="JD",
                          source_id="LIB")  # fmt: skip
    files = sorted(lib.iterdir())
    renames = {p: Path(ucs_name(str(p), want, taken)[0]) for p in files}
    for new in renames.values():
        assert len(new.name.encode()) <= 255 and new.name.endswith("_JD_LIB.wav")
        assert new.name.startswith("DOORWood_Créak Créak")
    outs = _write(journal, files, renames=renames)
    assert [o.status for o in outs] == ["written", "written"], [o.reason for o in outs]
    assert all(Path(o.new_path).exists() for o in outs)
    _undo(journal)
    assert _snapshot(lib) == before


# -- 9. a full disk ---------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell the fd")
def test_a_full_journal_disk_refuses_each_file_and_leaves_no_partial_copies(tmp_path, monkeypatch):
    lib = _lib(tmp_path, 2)
    before, journal = _snapshot(lib), tmp_path / "journal"
    real = os.fsync

    def fsync(fd):
        if f"{os.sep}keep{os.sep}" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    outs = _write(journal, sorted(lib.iterdir()))
    assert [o.status for o in outs] == ["refused", "refused"]
    assert all("full" in o.reason and "\n" not in o.reason for o in outs)
    assert not [p for p in journal.rglob("*") if p.is_file() and p.name != "write.lock"]
    assert _snapshot(lib) == before


def test_undo_on_a_full_disk_says_so_per_file_and_a_retry_finishes(tmp_path, monkeypatch):
    lib = _lib(tmp_path, 2)
    before, journal = _snapshot(lib), tmp_path / "journal"
    _write(journal, sorted(lib.iterdir()))
    written = _snapshot(lib)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", full)
        _, undone = _undo(journal)
    assert [u.restored for u in undone] == [False, False]
    assert all(u.reason.startswith("could not be restored (the disk is full)") for u in undone)
    assert _snapshot(lib) == written
    _, undone = _undo(journal)
    assert [u.restored for u in undone] == [True, True] and _snapshot(lib) == before


def test_a_journal_that_cannot_be_started_is_a_one_line_error(tmp_path, monkeypatch):
    from soundseek.errors import JournalError
    from soundseek.writing import journal as journal_mod

    lib = _lib(tmp_path, 1)

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_mod.LineFile, "__init__", full)
    with pytest.raises(JournalError, match="No space left on device"):
        _write(tmp_path / "journal", [lib / "f0.wav"])


# -- 8. kill -9 of undo at random points ------------------------------------------------------
_DRIVER = r"""
import json, os, random, shutil, signal, sys
from pathlib import Path
from soundseek.app.writing import undo

snap, lib, journal, target, rounds, seed = sys.argv[1:7]
lib, journal, snap = Path(lib), Path(journal), Path(snap)
rng = random.Random(int(seed))
OPS = ("replace", "rename", "link", "unlink", "utime", "fsync", "write", "ftruncate", "open")

def restore():
    for name in ("lib", "journal"):
        shutil.rmtree(snap.parent / name)
        shutil.copytree(snap / name, snap.parent / name, symlinks=True)

def attempt(kill_at, count_file=None):
    pid = os.fork()
    if pid == 0:
        count = [0]
        def wrap(fn):
            def inner(*a, **kw):
                count[0] += 1
                if count[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return fn(*a, **kw)
            return inner
        for op in OPS:
            setattr(os, op, wrap(getattr(os, op)))
        undo(journal)
        if count_file:
            Path(count_file).write_text(str(count[0]))
        os._exit(0)
    return os.waitpid(pid, 0)[1]

def state():
    files = {p.name: __import__("hashlib").sha256(p.read_bytes()).hexdigest()
             for p in sorted(lib.iterdir())}
    marks = {b.name: (b / "undone").exists() for b in journal.iterdir() if b.is_dir()}
    return {"files": files, "marks": marks}

restore()
count_file = snap.parent / "ops"
attempt(0, count_file)
ops = int(count_file.read_text())
for i in range(int(rounds)):
    restore()
    kills, first = 0, 1 + i * ops // int(rounds)  # the first kill sweeps the whole undo
    while not (journal / target / "undone").exists() and kills < 25:
        status = attempt(first if kills == 0 else rng.randint(1, ops + 2))
        kills += os.WIFSIGNALED(status)
    print(json.dumps({"kills": kills, "ops": ops, **state()}), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the driver forks the undo it kills")
def test_kill_9_of_undo_at_random_points_restores_every_file_exactly_once(tmp_path):
    import shutil

    lib = _lib(tmp_path, 3)
    journal = tmp_path / "journal"
    _write(journal, [lib / "f0.wav", lib / "f1.wav"], kw="older")
    older = _snapshot(lib)
    _write(journal, sorted(lib.iterdir()), kw="newer",
           renames={lib / "f2.wav": lib / "f2 renamed.wav"})  # fmt: skip
    older_id, newer_id = sorted(p.name for p in journal.iterdir() if p.is_dir())
    snap = tmp_path / "snap"
    snap.mkdir()
    for name in ("lib", "journal"):
        shutil.copytree(tmp_path / name, snap / name)
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(snap), str(lib), str(journal), newer_id, "15", "7"],
        cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rounds = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(rounds) == 15 and all(r["kills"] >= 1 for r in rounds), "each undo was killed"
    for r in rounds:
        assert r["files"] == older, f"every file restored exactly once ({r['kills']} kills)"
        assert r["marks"] == {older_id: False, newer_id: True}, "the older batch untouched"
