"""Start the desktop app: the window first (under a second), the index, audio and model after.

Nothing here may import LanceDB, torch, numpy or pyqtgraph before the window is shown: they are
opened in the background once it is up.
"""

from __future__ import annotations

import argparse
import sys
import time

T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="soundseek-app")
    ap.add_argument("--quit-after", type=int, metavar="MS", help="close after MS (smoke tests)")
    ap.add_argument("--silent", action="store_true", help="no sound card (null audio output)")
    ap.add_argument("--search", metavar="QUERY", help="start with this search")
    args = ap.parse_args((argv if argv is not None else sys.argv)[1:])

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from soundseek.app import App
    from soundseek.app.logs import setup_logging
    from soundseek.paths import resources_dir
    from soundseek.ui.theme import apply_theme

    app = App.open()
    setup_logging(app.paths)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setApplicationName("SoundSeek")
    qapp.setWindowIcon(QIcon(str(resources_dir() / "icons" / "soundseek-256.png")))
    theme = apply_theme(qapp, app.settings.theme)
    if theme != app.settings.theme:
        app.update_settings(theme=theme)
    from soundseek.ui.main_window import MainWindow

    window = MainWindow(app, _silent_output if args.silent else None)
    if args.search:
        window.search_field.setText(args.search)
    window.show()
    QTimer.singleShot(0, lambda: _report("window shown"))
    QTimer.singleShot(0, window.start_background)
    window.signals.library_opened.connect(lambda _n: _report("index open"))
    window.search_runner.results.connect(lambda *_a: _report("first results", once="results"))
    if args.quit_after:
        QTimer.singleShot(args.quit_after, window.close)
    _close_on_signals(window)
    return qapp.exec()


def _close_on_signals(window) -> None:
    """SIGTERM (logout, service managers) and Ctrl-C close the window cleanly, saving state.
    Python runs signal handlers only between bytecodes, so a timer gives it the chance."""
    import signal

    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if sig is not None:
            signal.signal(sig, lambda *_a: window.close())
    window._signal_tick = QTimer(window, interval=250, timeout=lambda: None)
    window._signal_tick.start()


_reported: set[str] = set()


def _report(what: str, once: str | None = None) -> None:
    """Start-up milestones on stderr (benchmarks/bench_ui.py reads them)."""
    if once in _reported:
        return
    _reported.add(once or what)
    print(f"{what} after {time.perf_counter() - T0:.2f} s", file=sys.stderr)


def _silent_output():
    from soundseek.audio.playback import NullOutput

    return NullOutput()


if __name__ == "__main__":
    sys.exit(main())
