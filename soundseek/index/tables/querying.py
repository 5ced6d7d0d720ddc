"""Small query helpers shared by the index's tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from soundseek.index.tables.records import RootCounts

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


def counts_by_root(files) -> dict[str, RootCounts]:
    """Files per root and status. Two columns, a batch at a time: the whole table was
    750 MB at a million files."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    q = files.search().select(["root_id", "status"]).limit(None)
    for batch in q.to_batches(262_144):
        grouped = pa.Table.from_batches([batch]).group_by(["root_id", "status"])
        for row in grouped.aggregate([([], "count_all")]).to_pylist():
            tally[row["root_id"]][row["status"]] += row["count_all"]
    return {
        root: RootCounts(sum(n.values()), n.get("indexed", 0), n.get("pending", 0),
                         n.get("error", 0))
        for root, n in tally.items()
    }  # fmt: skip


def ensure_scalar_indexes(table, columns: tuple[str, ...]) -> None:
    """B-tree indexes make lookups by path or content hash cheap at a million rows."""
    from lancedb.index import BTree

    have = {tuple(i.columns) for i in table.list_indices()}
    for column in columns:
        if (column,) not in have:
            table.create_index(column, config=BTree())
