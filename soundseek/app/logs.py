"""A rotating log file under the paths module's log folder: errors with their tracebacks."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading

from soundseek.paths import AppPaths

MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"


def setup_logging(paths: AppPaths, level: int = logging.INFO) -> None:
    """Log to `paths.log_file` (1 MB x 4); unhandled exceptions in any thread land there too."""
    root = logging.getLogger("soundseek")
    for old in [h for h in root.handlers if getattr(h, "_soundseek", False)]:
        if old.baseFilename == str(paths.log_file.absolute()):
            return
        root.removeHandler(old)  # another home in the same process (tests, `--home`)
        old.close()
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            paths.log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return  # a read-only home must not stop the app; logging is a help, not a need
    handler._soundseek = True
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    _hook_unhandled()


_hooked = False


def _hook_unhandled() -> None:
    global _hooked
    if _hooked:
        return
    _hooked = True
    log = logging.getLogger("soundseek.unhandled")
    previous = sys.excepthook

    def on_main(exc_type, exc, tb) -> None:
        log.error("unhandled exception", exc_info=(exc_type, exc, tb))
        previous(exc_type, exc, tb)

    def on_thread(args) -> None:
        if args.exc_type is not SystemExit:
            log.error("unhandled exception in thread %s", args.thread and args.thread.name,
                      exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # fmt: skip

    sys.excepthook = on_main
    threading.excepthook = on_thread
