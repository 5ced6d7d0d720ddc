"""A print-index session (the index run's copy step) finds what adding one content at a time
finds, writes the same index, and a kill before its flush leaves none of its contents in."""

from __future__ import annotations

import numpy as np
import pytest

import soundseek.index.prints.printindex as printindex
import soundseek.index.prints.voting as voting
from soundseek.index.prints.printindex import PrintIndex
from soundseek.index.prints.relations import RECORDING, Relation
from tests.copies.printrows import table_rows


def _prints(n: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """Random prints over a small vocabulary, some shifted copies of recent ones, one with a
    hash repeated past COMMON (a stop word)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[str, np.ndarray]] = []
    for i in range(n):
        if out and i % 3 == 0:
            _, base = out[-int(rng.integers(1, min(len(out), 6) + 1))]
            h = base[rng.random(len(base)) < 0.7] + [0, int(rng.integers(0, 50))]
        else:
            m = int(rng.integers(0, 120))
            h = np.column_stack([rng.integers(0, 400, m), rng.integers(0, 3000, m)])
        if i == 5:
            h = np.concatenate([h, np.column_stack([np.full(30, 7), np.arange(30)])])
        out.append((f"c{i:03d}", np.asarray(h, np.int64).reshape(-1, 2)))
    return out


def _found(cands) -> list[tuple[int, str, int, int]]:
    return [(item.id, item.content, agree, off) for item, agree, off in cands]


def _relations(name: str, cands) -> list[Relation]:
    return [Relation(item.content, name, RECORDING, 0.1 * off, 0.9) for item, _a, off in cands[:2]]


@pytest.mark.parametrize("use_json", [True, False])
def test_a_session_finds_and_writes_what_single_adds_do(tmp_path, monkeypatch, use_json):
    monkeypatch.setattr(printindex, "COMMON", 20)
    prints = _prints(60, seed=3)
    one = PrintIndex(tmp_path / "one.sqlite", writable=True)
    expected = []
    for name, h in prints:
        cands = one.candidates(h, 8, 2)
        expected.append(_found(cands))
        one.add(name, 1.0, h, 1, _relations(name, cands))

    many = PrintIndex(tmp_path / "many.sqlite", writable=True)
    many._json = use_json
    got = []
    for name, h in prints[:12]:  # an earlier run's, on disk
        cands = many.candidates(h, 8, 2)
        got.append(_found(cands))
        many.add(name, 1.0, h, 1, _relations(name, cands))
    session = many.session()
    monkeypatch.setattr(session, "MEMORY_ROWS", 1200)  # let go of the runs once or twice
    monkeypatch.setattr(session, "PENDING_ROWS", 500)  # and write without being asked
    for n, (name, h) in enumerate(prints[12:]):
        cands = session.candidates(h, 8, 2)
        got.append(_found(cands))
        session.add(name, 1.0, h, 1, _relations(name, cands))
        session.add(name, 1.0, h, 1, [])  # a content added twice is taken once
        if n % 7 == 6:
            session.flush()
    session.flush()
    assert got == expected
    assert any(len(c) > 1 for c in expected) and any(r for r in table_rows(one)[2])
    assert table_rows(many) == table_rows(one)


def test_a_session_killed_before_its_flush_leaves_nothing_half_in(tmp_path):
    prints = _prints(10, seed=4)
    index = PrintIndex(tmp_path / "p.sqlite", writable=True)
    session = index.session()
    for name, h in prints[:4]:
        session.add(name, 1.0, h, 1, _relations(name, session.candidates(h, 8, 2)))
    session.flush()
    for name, h in prints[4:]:
        session.add(name, 1.0, h, 1, _relations(name, session.candidates(h, 8, 2)))
    index.close()  # killed: the last six never written
    again = PrintIndex(tmp_path / "p.sqlite", writable=True)
    assert sorted(again.contents()) == [name for name, _ in prints[:4]]
    (item,) = again._con.execute("SELECT MAX(item) FROM postings").fetchone()
    assert item == 4 and all(
        {r.outer, r.inner} <= {name for name, _ in prints[:4]} for r in again.relations()
    )
    session = again.session()  # the next run adds them
    for name, h in prints[4:]:
        session.add(name, 1.0, h, 1, [])
    session.flush()
    assert again.count() == 10


def _votes_by_loop(items: np.ndarray, offsets: np.ndarray, min_agree: int) -> dict:
    """offset_votes written plainly: per item, the first offset with the most votes (+-1)."""
    count: dict[tuple[int, int], int] = {}
    for i, o in zip(items.tolist(), offsets.tolist(), strict=True):
        count[(i, o)] = count.get((i, o), 0) + 1
    best: dict[int, tuple[int, int]] = {}
    for i, o in sorted(count):
        c = count[(i, o)] + count.get((i, o - 1), 0) + count.get((i, o + 1), 0)
        if c >= min_agree and c > best.get(i, (0, 0))[0]:
            best[i] = (c, o)
    return best


def test_offset_votes_are_the_plain_count():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(0, 200))
        items = rng.integers(1, int(rng.integers(2, 12)), n)
        offsets = rng.integers(-int(rng.integers(1, 30)), int(rng.integers(1, 30)), n)
        min_agree = int(rng.integers(1, 5))
        got = voting.offset_votes(items, offsets, min_agree)
        want = _votes_by_loop(items, offsets, min_agree)
        assert got == want and list(got) == list(want)
