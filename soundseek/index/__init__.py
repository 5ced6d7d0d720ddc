"""The index on disk. The only package that touches LanceDB, pyarrow or SQL text."""
