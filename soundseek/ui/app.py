"""Start the desktop app: the window first, heavy work (model, watching, indexing) after."""

from __future__ import annotations

import argparse
import sys
import time

T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="soundseek-app")
    ap.add_argument("--quit-after", type=int, metavar="MS", help="close after MS (smoke tests)")
    ap.add_argument("--silent", action="store_true", help="no sound card (null audio output)")
    args = ap.parse_args((argv if argv is not None else sys.argv)[1:])

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from soundseek.core.paths import app_paths
    from soundseek.core.playback import NullOutput, Player
    from soundseek.core.settings import load_settings
    from soundseek.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SoundSeek")
    from PySide6.QtGui import QIcon

    from soundseek.core.paths import resources_dir

    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "soundseek-256.png")))
    paths = app_paths().ensure()
    settings = load_settings(paths)
    settings.theme = apply_theme(app, settings.theme)
    output, note = (NullOutput(), "") if args.silent else _device_output()
    player = Player(output)
    player.volume = settings.volume
    from soundseek.ui.main_window import MainWindow

    window = MainWindow(paths, settings, player, note)
    window.show()
    print(f"window shown after {time.perf_counter() - T0:.2f} s", file=sys.stderr)
    QTimer.singleShot(0, window.start_background)
    if args.quit_after:
        QTimer.singleShot(args.quit_after, window.close)
    code = app.exec()
    player.close()
    return code


def _device_output():
    from soundseek.ui.device_output import default_output

    return default_output()


if __name__ == "__main__":
    sys.exit(main())
