"""The on-disk layout (schema version 3): tables, their Arrow schemas, and record conversion.

A table's name carries the schema version that last rewrote it (`files_v3`), so an upgrade
writes the new table beside the old one and a crash mid-upgrade loses nothing. Version 3 keys
content by a fingerprint of the audio payload alone (files/fingerprint.py), so every table
keyed by `content_hash` was rewritten.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pyarrow as pa

from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.index.tables.version import SCHEMA_VERSION as SCHEMA_VERSION
from soundseek.metadata.fields import STORED

FILES = "files_v3"
WINDOWS = "windows_v3"
ENVELOPES = "envelopes_v3"
GUESSES = "ucs_guesses_v3"  # additive, like TAGS: zero-shot UCS categories by content
ACCEPTED = "accepted_categories_v3"  # additive: UCS categories the user accepted, by content
TAGS = "tags_v3"  # additive (created when a writer opens the index; older versions ignore it)
PRINTS = "prints_v3"  # additive, like TAGS: each content's sound print (copies are found by it)
CONTENT_TABLES = (WINDOWS, ENVELOPES, GUESSES, ACCEPTED, TAGS, PRINTS)  # keyed by content_hash
PK = {"lance-schema:unenforced-primary-key": "true"}

_PLAIN = {str: pa.string(), int: pa.int32(), float: pa.float64()}  # metadata.fields' kinds
_METADATA_COLUMNS = {f.name: _PLAIN[f.kind] for f in STORED}
_ENTRY_COLUMNS = {"size": pa.int64(), "mtime_ns": pa.int64(), "n_windows": pa.int32()}
_RESOLVED = ("root",)  # attached on read from the registry, never stored
_KEY = ("root_id", "relpath")
RECORD_COLUMNS = tuple(
    f.name for f in fields(FileRecord) if f.name not in _RESOLVED and f.name not in _KEY
)
DERIVED_COLUMNS = ("filename", "ext", "reldir")  # stored so filters and sorting can use them


def _column(name: str) -> pa.Field:
    """A metadata column typed by the field table; the index's own by the entry; text else."""
    return pa.field(name, _METADATA_COLUMNS.get(name) or _ENTRY_COLUMNS.get(name, pa.string()))


FILES_SCHEMA = pa.schema(
    [
        pa.field("root_id", pa.string(), nullable=False, metadata=PK),
        pa.field("relpath", pa.string(), nullable=False, metadata=PK),
        *(_column(c) for c in (*RECORD_COLUMNS, *DERIVED_COLUMNS)),
    ]
)
ENVELOPES_SCHEMA = pa.schema(
    [
        pa.field("content_hash", pa.string(), nullable=False, metadata=PK),
        pa.field("peaks", pa.binary()),
    ]
)

PRINTS_SCHEMA = pa.schema(
    [
        pa.field("content_hash", pa.string(), nullable=False, metadata=PK),
        pa.field("print", pa.binary()),  # audio.soundprint.SoundPrint.to_bytes()
    ]
)


TAGS_SCHEMA = pa.schema(  # the user's tags, by content: they survive renames and rescans
    [
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("tag", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # "tag", or "not": a rejected suggestion
    ]
)


ACCEPTED_SCHEMA = pa.schema(
    [
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("catid", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("subcategory", pa.string(), nullable=False),
    ]
)
GUESSES_SCHEMA = pa.schema(
    [
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("space", pa.string(), nullable=False),  # the vector space that made them
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("catid", pa.string(), nullable=False),
        pa.field("confidence", pa.float32(), nullable=False),
    ]
)


def windows_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("idx", pa.int32()),
            pa.field("start", pa.float32()),
            pa.field("end", pa.float32()),
            pa.field("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def records_to_arrow(records: list[FileRecord]) -> pa.Table:
    rows = []
    for r in records:
        row = {c: getattr(r, c) for c in (*_KEY, *RECORD_COLUMNS, *DERIVED_COLUMNS)}
        row["status"] = FileStatus(r.status).value
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=FILES_SCHEMA)


_DEFAULTS = {f.name: f.default for f in fields(FileRecord)}
_STATUS = {s.value: s for s in FileStatus}


def records_from_arrow(table: pa.Table) -> list[FileRecord]:
    """Stored rows (any subset of columns) as records; other columns are ignored. Built column
    by column and without the dataclass __init__: a search turns ~600 rows into records, and
    per-row dicts cost more than the query (measured at 100k windows)."""
    names = [c for c in table.column_names if c in _DEFAULTS]
    columns = [_column_values(table.column(c), c) for c in names]
    missing = {k: v for k, v in _DEFAULTS.items() if k not in names}
    out = []
    for values in zip(*columns, strict=True):
        rec = object.__new__(FileRecord)
        rec.__dict__.update(missing)
        rec.__dict__.update(zip(names, values, strict=True))
        out.append(rec)
    return out


def _column_values(column: pa.ChunkedArray, name: str) -> list:
    values = column.to_pylist()
    if column.null_count:
        default = _DEFAULTS[name]
        values = [default if v is None else v for v in values]
    if name == "status":
        values = [_STATUS.get(v, v) for v in values]
    return values


def windows_to_arrow(
    hashes: list[str], starts: list[float], ends: list[float], idxs: list[int], vectors: np.ndarray
) -> pa.Table:
    dim = vectors.shape[1]
    flat = pa.array(vectors.astype(np.float32).ravel(), type=pa.float32())
    return pa.table(
        {
            "content_hash": pa.array(hashes, pa.string()),
            "idx": pa.array(idxs, pa.int32()),
            "start": pa.array(starts, pa.float32()),
            "end": pa.array(ends, pa.float32()),
            "vector": pa.FixedSizeListArray.from_arrays(flat, dim),
        },
        schema=windows_schema(dim),
    )


def vectors_of(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A fixed-size-list vector column as one (n, dim) float32 array, without Python lists."""
    col = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    dim = col.type.list_size
    return col.values.to_numpy(zero_copy_only=False).reshape(-1, dim).astype(np.float32, copy=False)
