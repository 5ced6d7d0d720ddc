"""The Ray runner (`soundseek cluster index`), one of the indexing runners: the only package
that imports Ray.

The CLI's machine scans, reads metadata and holds the index's writer lock (a lease on object
storage); Ray actors decode and embed with the ingest package's decoder and batcher; the
driver commits what they return through ingest's one commit path, as the local runner does."""
