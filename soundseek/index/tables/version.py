"""The index schema version, apart from the Arrow schemas: reading store.json (the shell's
instant paths) must not import pyarrow."""

SCHEMA_VERSION = 3
