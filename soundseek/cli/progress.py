"""Index progress on a terminal (one updating line) or in a log (a line every few seconds)."""

from __future__ import annotations

import sys
import time

from soundseek.cli.common import human_seconds


class ProgressPrinter:
    """Shows IndexProgress snapshots; a phase's final state is never skipped when piped."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr  # looked up now: the command modules load lazily
        self.tty = self.stream.isatty()
        self.phase = ""
        self.last = 0.0
        self.unshown = None

    def show(self, p) -> None:
        changed = p.phase != self.phase
        if changed and self.unshown is not None and not self.tty:
            self._line(self._format(self.unshown))
            self.unshown = None
        if p.message:
            self._line(p.message, final=True)
            return
        now = time.monotonic()
        if changed and self.phase and self.tty:
            self.stream.write("\n")
        self.phase = p.phase
        if not (self.tty or changed or now - self.last > 5 or p.phase in ("done", "cancelled")):
            self.unshown = p
            return
        self.last, self.unshown = now, None
        self._line(self._format(p), final=p.phase in ("done", "cancelled"))

    def _format(self, p) -> str:
        if p.phase == "scan":
            return f"scanning: {p.files_done} audio files found"
        if p.phase == "metadata":
            return f"metadata: {p.files_done}/{p.files_total} files, {p.errors} unreadable"
        if p.phase == "embed":
            eta = f", ETA {human_seconds(p.eta_seconds)}" if p.eta_seconds is not None else ""
            return (
                f"embedding: {p.files_done}/{p.files_total} files, "
                f"{p.audio_seconds / 3600:.2f} h audio, {p.rate:.1f} files/s{eta}, "
                f"{p.errors} errors"
            )
        if p.phase == "categories":
            return f"UCS suggestions: {p.files_done}/{p.files_total} files"
        if p.phase == "prints":
            return f"printing earlier sounds: {p.files_done}/{p.files_total}"
        if p.phase == "copies":
            return f"copies: {p.files_done} sounds compared"
        return f"{p.phase} after {human_seconds(p.elapsed)}; {p.errors} unreadable files"

    def message(self, text: str) -> None:
        self._line(text, final=True)

    def _line(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def follow_preparation(app, printer: ProgressPrinter):
    """Print a model's one-time steps (ONNX exports, fidelity gates) as they start: minutes
    on a small CPU for a full-size model, which would otherwise look like a hang. Returns
    the unsubscribe function."""
    from soundseek.app.events import ModelPreparing

    def said(event: object) -> None:
        if isinstance(event, ModelPreparing):
            printer.message(event.text)

    return app.events.subscribe(said)
