"""What every CLI command shares: exit codes, opening the application, output helpers."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable

from soundseek.app import App
from soundseek.app.events import LibraryOpened

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_MODEL, EXIT_LOCKED, EXIT_CANCELLED = 0, 1, 2, 3, 4, 130


def json_line(obj: object) -> str:
    """One JSON object on one line, non-ASCII text as it is; a file name that is not UTF-8
    (surrogate escapes) as JSON \\udcXX escapes, so the line stays valid UTF-8 and
    json.loads + os.fsencode give back the exact name."""
    text = json.dumps(obj, ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def tolerant_stdout() -> None:
    """Paths that are not UTF-8 print as their own bytes (as `ls` and `find` print them, so
    pipes get usable names) instead of stopping the command with UnicodeEncodeError."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape" if os.name != "nt" else "backslashreplace")


def fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"soundseek: {message}", file=sys.stderr)
    return code


def note(message: str) -> None:
    print(f"soundseek: {message}", file=sys.stderr)


def open_app() -> App:
    """The application for this home; upgrade notes of an older index are printed once."""
    app = App.open()
    app.events.subscribe(_print_upgrade_notes)
    return app


def _print_upgrade_notes(event: object) -> None:
    if isinstance(event, LibraryOpened):
        for text in event.notes:
            note(text)


def install_cancel_handler(
    message: str = "stopping after the current batch", on_cancel: Callable[[], None] | None = None
) -> threading.Event:
    """First Ctrl-C (or SIGTERM) asks the job to stop cleanly; a second Ctrl-C aborts."""
    cancel = threading.Event()

    def on_signal(signum, frame):
        if cancel.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        cancel.set()
        if on_cancel is not None:
            on_cancel()
        print(f"\n{message} (Ctrl-C again to abort)", file=sys.stderr)

    signal.signal(signal.SIGINT, on_signal)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, on_signal)
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
