"""Render soundseek.svg to the PNG/ICO/ICNS files installers need (run after editing the SVG)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent


def render(size: int):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    QSvgRenderer(str(HERE / "soundseek.svg")).render(painter)
    painter.end()
    return img


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs an application object
    for size in (16, 32, 48, 64, 128, 256, 512):
        render(size).save(str(HERE / f"soundseek-{size}.png"))
    render(256).save(str(HERE / "soundseek.ico"))
    render(512).save(str(HERE / "soundseek.icns"))
    print("rendered", sorted(p.name for p in HERE.iterdir() if p.suffix != ".py"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
