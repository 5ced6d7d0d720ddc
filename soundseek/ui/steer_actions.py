"""The main window's "like this, but…" and feedback: after More like this, typing changes
the reference sound (words toward, -words away; Esc ends it); + and - mark the current hit
good or bad and re-rank (see soundseek.app.session)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt

from soundseek.app.session import SearchSession

GOOD_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
BAD_KEYS = (Qt.Key.Key_Minus, Qt.Key.Key_Underscore)


class SteerActions:
    """Mixin for MainWindow (needs search_field, sidebar, search_runner, current_hit)."""

    session: SearchSession

    def like(self, hit, region) -> None:
        """More like this: the hit becomes the reference; what is typed next modifies it."""
        self.session.start_like(hit.path, region)
        self.results.set_good(self.session.good)
        name = os.path.basename(hit.path)
        self.search_field.clear()
        self.search_field.setPlaceholderText(
            f"like “{name}” — type to change it (more distant -reverb), Esc to end"
        )
        self.run_steered()

    def end_like(self) -> bool:
        if self.session.reference is None and not (self.session.good or self.session.bad):
            return False
        self.session.clear()
        self.results.set_good(self.session.good)
        self.search_field.setPlaceholderText(self.default_placeholder)
        self.run_steered()
        return True

    def mark_current(self, good: bool) -> bool:
        hit = self.current_hit()
        if hit is None:
            return False
        on = self.session.mark(hit.path, good)
        self.results.set_good(self.session.good)
        word = ("good" if good else "bad") if on else "unmarked"
        self._message(f"{os.path.basename(hit.path)}: {word}; re-ranking")
        self.run_steered()
        return True

    def run_steered(self) -> None:
        typed, filters = self.search_field.text().strip(), self.sidebar.filter_tokens()
        ref = self.session.reference
        if ref is None and not f"{typed} {filters}".strip():
            self.results.set_hits([])
            return
        label = f"more like {os.path.basename(ref.path)}" if ref else f"{typed} {filters}".strip()
        if ref and typed:
            label += f", {typed}"
        session, app = self.session, self.app
        self.search_runner.submit(lambda: session.run(app, typed, filters, 200), label)

    def steer_key(self, key: int) -> bool:
        if key in GOOD_KEYS:
            return self.mark_current(True)
        if key in BAD_KEYS:
            return self.mark_current(False)
        return False
