"""The window vectors' fast path: the memory-mapped window cache, its IVF-PQ index, and the
cached null-text vectors; what every search reads instead of scanning LanceDB."""
