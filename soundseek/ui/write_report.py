"""What a write or an undo did, in counts, with the files it did not touch and why: shown
when it ends (not modal: the window stays usable), and in the status bar."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from PySide6.QtWidgets import QMessageBox, QWidget


@dataclass(frozen=True)
class Report:
    title: str
    summary: str  # one line, also for the status bar
    hint: str = ""
    details: list[str] = field(default_factory=list)  # "file: reason", one per file left


def write_report(outcomes: list) -> Report:
    """Counts of written / unchanged / refused files; each refusal with its reason."""
    written = sum(o.status == "written" for o in outcomes)
    unchanged = sum(o.status == "unchanged" for o in outcomes)
    refused = [o for o in outcomes if o.status == "refused"]
    parts = [f"wrote {written} files"]
    parts += [f"{unchanged} unchanged"] if unchanged else []
    parts += [f"{len(refused)} refused"] if refused else []
    hint = "Review ▸ Undo last write puts every written file back, byte for byte."
    if refused:
        hint = f"{hint} Show Details for why each refused file was left as it is."
    details = [f"{os.path.basename(o.path)}: {o.reason}" for o in refused]
    return Report("Metadata written", ", ".join(parts), hint, details)


def undo_report(outcomes: list) -> Report:
    """Counts of restored files and of files left as they are (each with its reason)."""
    restored = sum(u.restored for u in outcomes)
    left = [u for u in outcomes if not u.restored and "never" not in u.reason]
    summary = f"restored {restored} files"
    if left:
        summary += f", {len(left)} left as they are ({left[0].reason})"
    hint = "Show Details for why each file was left as it is." if left else ""
    details = [f"{os.path.basename(u.path)}: {u.reason}" for u in left]
    return Report("Write undone", summary, hint, details)


def show_report(parent: QWidget, report: Report) -> QMessageBox:
    """The report as a non-modal message box (kept by the caller while it is open)."""
    icon = QMessageBox.Icon.Warning if report.details else QMessageBox.Icon.Information
    box = QMessageBox(icon, report.title, report.summary[:1].upper() + report.summary[1:] + ".",
                      QMessageBox.StandardButton.Ok, parent)  # fmt: skip
    box.setInformativeText(report.hint)
    if report.details:
        box.setDetailedText("\n".join(report.details))
    box.setModal(False)
    box.show()
    return box
