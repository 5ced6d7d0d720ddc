"""What a write or an undo did, in counts, with the files it did not touch and why: shown
when it ends (not modal: the window stays usable), and in the status bar; and what an undo
is about to put back, for its question."""

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
    hint = "Review ▸ Undo last change puts every written file back, byte for byte."
    if refused:
        hint = f"{hint} Show Details for why each refused file was left as it is."
    details = [f"{os.path.basename(o.path)}: {o.reason}" for o in refused]
    return Report("Metadata written", ", ".join(parts), hint, details)


def undo_report(outcomes: list) -> Report:
    """Counts of restored files and of files left as they are (each with its reason)."""
    restored = sum(u.restored for u in outcomes)
    left = [u for u in outcomes if not u.restored and "never" not in u.reason]
    summary = f"restored {restored} file{'s' * (restored != 1)}"
    if left:
        summary += f", {len(left)} left as they are ({left[0].reason})"
    hint = "Show Details for why each file was left as it is." if left else ""
    details = [f"{os.path.basename(u.path)}: {u.reason}" for u in left]
    return Report("Change undone", summary, hint, details)


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


_UNDONE = {"hide": "hidden", "trash": "moved to the Trash", "move": "moved"}


def describe_change(last) -> str | None:
    """The undo's question (None: nothing to undo). `last` is (batch_id, files) as
    app.writes.last_write says it, or app.changes.last_change's LastChange (batch_id, action:
    write | hide | move | trash, files, dest) or None."""
    if last is None:
        return None
    if isinstance(last, tuple):
        batch_id, files = last
        action, dest = "write", ""
    else:
        batch_id, action, files, dest = last.batch_id, last.action, last.files, last.dest
    if not batch_id:
        return None
    n = f"{files} file{'s' * (files != 1)}"
    if action == "write":
        were = "they were" if files != 1 else "it was"
        return f"Put the {n} of the last write back as {were}, byte for byte"
    where = f" to {dest}" if dest else ""
    return f"Put back the {n} {_UNDONE.get(action, action)}{where} by the last action on copies"
