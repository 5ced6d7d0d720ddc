"""Dark by default (dark rooms), light on request; styles live in resources/theme."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from soundseek.paths import resources_dir

WAVE_COLOURS = {
    "dark": {"wave": "#5fa8e8", "bg": "#17181b", "play": "#f0c040", "match": (240, 192, 64, 40)},
    "light": {"wave": "#2f6fb0", "bg": "#ffffff", "play": "#c03030", "match": (240, 160, 0, 50)},
}


def apply_theme(app: QApplication, name: str) -> str:
    name = name if name in WAVE_COLOURS else "dark"
    app.setStyle("Fusion")
    qss = resources_dir() / "theme" / f"{name}.qss"
    app.setStyleSheet(qss.read_text(encoding="utf-8") if qss.exists() else "")
    return name
