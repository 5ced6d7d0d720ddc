"""A full disk is one line everywhere, never "unexpected error": it is the user's to fix, and
nothing was changed half-way (issue 20: `tag add` on a full home printed a lance RuntimeError)."""

from __future__ import annotations

import errno

import pytest

from soundseek.app import App
from soundseek.cli import main
from soundseek.errors import disk_full

LANCE_FULL = RuntimeError(
    "lance error: LanceError(IO): Generic LocalFileSystem error: Unable to copy file from "
    "/home/x/.lance/_versions/3.manifest: No space left on device (os error 28)"
)


@pytest.mark.parametrize(
    "exc",
    [OSError(errno.ENOSPC, "No space left on device"), OSError(errno.EDQUOT, "quota"), LANCE_FULL],
)
def test_a_full_disk_is_recognised_whoever_raised_it(exc):
    assert disk_full(exc)
    wrapped = ValueError("could not commit")
    wrapped.__cause__ = exc
    assert disk_full(wrapped), "raised from a full disk"


def test_other_errors_are_not_a_full_disk():
    assert not disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not disk_full(RuntimeError("lance error: commit conflict"))


def test_tag_add_on_a_full_disk_says_so_in_one_line(home, library, tmp_path, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise LANCE_FULL

    monkeypatch.setattr(App, "tag", full)
    assert main(["add", str(tmp_path / "lib")]) == 0
    capsys.readouterr()
    assert main(["tag", "add", "door", str(library["metal"])]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the disk is full" in err[0], err
    assert "unexpected" not in err[0] and "RuntimeError" not in err[0]
