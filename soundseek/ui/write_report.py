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


def _restored(u) -> bool:
    """A write's undo says `restored`; an action on copies says `status` "done"."""
    return bool(getattr(u, "restored", getattr(u, "status", "") == "done"))


def undo_report(outcomes: list) -> Report:
    """Counts of restored files and of files left as they are (each with its reason)."""
    restored = sum(_restored(u) for u in outcomes)
    left = [u for u in outcomes if not _restored(u) and "never" not in u.reason]
    summary = f"restored {restored} files"
    if left:
        summary += f", {len(left)} left as they are ({left[0].reason})"
    hint = "Show Details for why each file was left as it is." if left else ""
    details = [f"{os.path.basename(u.path)}: {u.reason}" for u in left]
    return Report("Change undone", summary, hint, details)


_UNDONE = {"hide": "hidden", "trash": "moved to Trash", "move": "moved"}


def describe_change(last) -> str | None:
    """The undo's question (None: nothing to undo). `last` is (batch_id, files) as
    app.writes.last_write says it; app.last_change may put the kind of change first
    ((kind, batch_id, files)) or give an object with kind, batch_id and files."""
    kind, batch_id, files = _change_parts(last)
    if not batch_id:
        return None
    n = f"{files} file{'s' * (files != 1)}"
    if kind in ("", "write", "writes", "metadata"):
        were = "they were" if files != 1 else "it was"
        return f"Put the {n} of the last write back as {were}, byte for byte"
    return f"Put back the {n} {_UNDONE.get(kind, kind)} by the last action on copies"


def _change_parts(last) -> tuple[str, str, int]:
    if last is None:
        return "", "", 0
    if isinstance(last, tuple):
        kind, batch_id, files = ("", *last) if len(last) == 2 else last[:3]
    else:
        kind = getattr(last, "kind", "") or getattr(last, "action", "")
        batch_id = getattr(last, "batch_id", "")
        files = getattr(last, "files", getattr(last, "count", 0))
    return str(kind or ""), batch_id, files if isinstance(files, int) else len(files)


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
