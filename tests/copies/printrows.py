"""A print index's tables as plain rows, in a fixed order: how tests and bench_copy_phase check
that two ways of filling an index made the same one, row for row."""

from __future__ import annotations

from soundseek.index.prints.printindex import PrintIndex

_QUERIES = (
    "SELECT * FROM items ORDER BY id",
    "SELECT * FROM postings ORDER BY hash, item, frame",
    "SELECT * FROM relations ORDER BY outer_id, inner_id",
)


def table_rows(index: PrintIndex) -> tuple:
    return tuple(index._con.execute(q).fetchall() for q in _QUERIES)
