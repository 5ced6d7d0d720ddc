"""The files table's on-disk layout, written out literally: the field table (metadata.fields)
makes its metadata columns, and must never move, retype or rename one silently."""

from __future__ import annotations

from dataclasses import fields

from soundseek.index.tables.records import FileRecord
from soundseek.index.tables.schema import FILES, FILES_SCHEMA, PK, SCHEMA_VERSION

FILES_V3_COLUMNS = [
    ("root_id", "string"), ("relpath", "string"), ("size", "int64"), ("mtime_ns", "int64"),
    ("status", "string"), ("content_hash", "string"), ("error", "string"),
    ("n_windows", "int32"), ("duration", "double"), ("samplerate", "int32"),
    ("channels", "int32"), ("bit_depth", "int32"), ("format", "string"), ("subtype", "string"),
    ("catid", "string"), ("category", "string"), ("subcategory", "string"),
    ("fx_name", "string"), ("description", "string"), ("keywords", "string"),
    ("library", "string"), ("designer", "string"), ("originator", "string"),
    ("origination_date", "string"), ("warning", "string"), ("text", "string"),
    ("filename", "string"), ("ext", "string"), ("reldir", "string"),
]  # fmt: skip


def test_files_table_columns_are_schema_3s():
    assert (SCHEMA_VERSION, FILES) == (3, "files_v3")
    assert [(f.name, str(f.type)) for f in FILES_SCHEMA] == FILES_V3_COLUMNS
    assert [f.name for f in FILES_SCHEMA if not f.nullable] == ["root_id", "relpath"]
    assert [f.name for f in FILES_SCHEMA if f.metadata] == ["root_id", "relpath"]
    assert all(FILES_SCHEMA.field(n).metadata == {k.encode(): v.encode() for k, v in PK.items()}
               for n in ("root_id", "relpath"))  # fmt: skip
    assert FILES_SCHEMA.metadata is None


def test_file_record_fields_keep_their_order():
    """The word index stores records positionally (index.wordindex.fts)."""
    stored = [name for name, _ in FILES_V3_COLUMNS[:-3]]
    assert [f.name for f in fields(FileRecord)] == [*stored, "root"]
