"""The word index: field-weighted BM25 over analysed metadata words (SQLite FTS5 and numpy
postings), derived from the files table and kept in step with it."""
