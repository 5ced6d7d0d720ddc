"""Write accepted metadata back into the files, safely, and undo it.

`plan` decides what each file should say, `safefile` writes one file (temporary copy, fsync,
independent verification, atomic replace), `journal` records every batch so it can be undone
byte for byte, `batch` runs a batch as a cancellable progress generator.
"""
