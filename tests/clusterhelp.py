"""Decoders for cluster tests, shipped to Ray's workers by value (they cannot import tests/)."""

from __future__ import annotations

import os
import sys
import time

from soundseek.ingest.decoders import decode_file

CRASH_MARK = "CRASHES_ITS_DECODER"


def ship_by_value() -> None:
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def crashing_decode(digest, path, logmel, send):
    """Like the real decoder, except that a file with the mark in its name kills the
    process (as a decoder segfault would)."""
    if CRASH_MARK in os.path.basename(path):
        os._exit(139)
    return decode_file(digest, path, logmel, send)


def slow_decode(digest, path, logmel, send):
    """The real decoder, a quarter second slower per file: a job long enough to kill."""
    time.sleep(0.25)
    return decode_file(digest, path, logmel, send)
