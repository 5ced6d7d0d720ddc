"""How many cores this process may use: its CPU affinity (taskset, a container's cpuset), not
the machine's count. Decoder processes and ONNX Runtime sessions are sized by it, so a
process pinned to one core of a large machine does not start one worker per machine core."""

from __future__ import annotations

import os


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)
