"""Embedding on a Ray cluster (`soundseek cluster index`): the only package that imports Ray.

The CLI's machine scans, reads metadata and holds the index's writer lock (a lease on object
storage); Ray actors decode and embed; the driver commits what they return in batches."""
