"""The index on disk: the only package that touches LanceDB, pyarrow, SQLite or SQL text.

`store` composes it; `retrieval` answers queries. Inside, by job: `tables` (LanceDB tables,
schemas, records, filters, migrations), `wordindex` (metadata words), `vectors` (the window
cache and ANN), `places` (local folder or object storage, locks, mirrors).
"""
