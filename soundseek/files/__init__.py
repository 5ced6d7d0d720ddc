"""Files on disk: library folders (roots), scanning, content fingerprints, folder watching."""
