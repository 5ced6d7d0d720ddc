"""Getting a sound onto a DAW's timeline right: a file or a region rendered at the session's
rate, bit depth, format and channel layout, named the user's way and carrying its metadata,
through DAW presets, and spotted into Pro Tools over PTSL. Qt-free: the window's drag, the
CLI's `transfer`/`spot` and the application's history all go through it."""
