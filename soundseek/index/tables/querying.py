"""Small query helpers shared by the store and its annotation tables."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

IN_CHUNK = 500  # values per SQL IN (...) list


def chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def unique_column(table, column: str, where: str | None = None) -> pa.Array:
    """The distinct values of one column (optionally of matching rows), as one Arrow array."""
    q = table.search().select([column])
    if where:
        q = q.where(where)
    return pc.unique(q.limit(None).to_arrow().column(0).combine_chunks())
