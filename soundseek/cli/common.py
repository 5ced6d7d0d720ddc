"""What every CLI command shares: exit codes, context loading, error output."""

from __future__ import annotations

import signal
import sys
import threading

from soundseek.core.paths import AppPaths, app_paths
from soundseek.core.settings import Settings, load_settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_MODEL, EXIT_LOCKED, EXIT_CANCELLED = 0, 1, 2, 3, 4, 130


def fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"soundseek: {message}", file=sys.stderr)
    return code


def context() -> tuple[AppPaths, Settings]:
    paths = app_paths().ensure()
    return paths, load_settings(paths)


def install_cancel_handler() -> threading.Event:
    """First Ctrl-C asks the indexer to stop after the current batch; a second one aborts."""
    cancel = threading.Event()

    def on_sigint(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nstopping after the current batch (Ctrl-C again to abort)", file=sys.stderr)

    signal.signal(signal.SIGINT, on_sigint)
    return cancel


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def human_seconds(s: float) -> str:
    s = round(s)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def short_duration(s: float) -> str:
    """One-shots in seconds (0.05s, 2.5s); longer files as m:ss."""
    return f"{s:.2f}s" if s < 10 else f"{s:.1f}s" if s < 60 else human_seconds(s)
