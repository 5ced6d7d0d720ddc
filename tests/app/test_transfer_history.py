"""The transfer history is trusted only as far as it checks out: a torn or damaged line is
skipped, a newer version's fields are ignored, and an earlier copy is reused only while it is
exactly as SoundSeek published it."""

from __future__ import annotations

import json
import os

from soundseek.app.transfer_history import TransferHistory
from soundseek.transfer.engine import Transferred


def _done(path: str, key: str = "k1") -> Transferred:
    return Transferred("/lib/a.wav", (path,), key, 48_000, "24", 2, 48_000, "wav")


def test_damaged_lines_are_skipped_and_newer_fields_ignored(tmp_path):
    copy = tmp_path / "a.wav"
    copy.write_bytes(b"x" * 100)
    history = TransferHistory(tmp_path / "transfers.jsonl")
    first = history.add(_done(str(copy)), None, "protools", {"rate": 48_000})
    newer = {**first.as_json(), "id": "fromthefuture", "v": 9, "loudness": -23}
    with open(history.path, "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
        fh.write(json.dumps(newer) + "\n")
        fh.write('{"v": 1, "id": "torn", "outputs": [')  # a kill mid-line
    records = history.records()
    assert [r.id for r in records] == [first.id, "fromthefuture"]
    assert history.made("k1") == (str(copy),)


def test_a_copy_changed_since_it_was_made_is_not_reused(tmp_path):
    copy = tmp_path / "a.wav"
    copy.write_bytes(b"x" * 100)
    history = TransferHistory(tmp_path / "transfers.jsonl")
    history.add(_done(str(copy)), None, "protools", {})
    assert history.made("k1") == (str(copy),) and history.takes("/lib/a.wav") == 1
    st = copy.stat()
    copy.write_bytes(b"y" * 100)  # same size, edited
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert history.made("k1") is None
    copy.unlink()
    assert history.made("k1") is None and history.made("other") is None
