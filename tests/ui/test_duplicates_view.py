"""The Duplicates view and the collapsed copies of the results, over a fake app: what a user
sees listed, what an action is asked to touch (never a keeper), and how copies unfold."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTableView, QWidget

from soundseek.copies.groups import Copy, CopyGroup
from soundseek.files.roots import Root
from soundseek.index.tables.records import FileRecord
from soundseek.search.hits import Hit, HitCopy
from soundseek.ui.duplicates_model import COPY_ROLE
from soundseek.ui.duplicates_view import OFFSET_COLUMN, DuplicatesDialog
from soundseek.ui.results_copies import CopyRows
from soundseek.ui.results_model import HIT_ROLE, ResultsModel
from soundseek.ui.results_table import ResultsProxy, ResultsSelection
from soundseek.ui.threads import Tasks
from soundseek.ui.write_actions import WriteActions
from tests.ui.fakes import Copies, CopiesApp, Preview, Selection

ROOT = Root("r", "/lib", "lib")


def rec(relpath: str, content: str, fmt: str = "WAV", rate: int = 48000, size: int = 1000):
    return FileRecord(root_id="r", relpath=relpath, size=size, content_hash=content, format=fmt,
                      samplerate=rate, bit_depth=24 if fmt == "WAV" else 0, channels=2,
                      duration=2.5, root=ROOT)  # fmt: skip


def group(gid: str, level: str, *copies: tuple[FileRecord, str, float | None]) -> CopyGroup:
    made = [Copy(f, i == 0, lvl, off) for i, (f, lvl, off) in enumerate(copies)]
    return CopyGroup(gid, level, tuple(made))


DOOR = group("g1", "recording", (rec("a/door.wav", "h1"), "identical", None),
             (rec("b/door.wav", "h1"), "identical", None),
             (rec("c/door.mp3", "h2", "MP3", 44100), "recording", None))  # fmt: skip
RAIN = group("g2", "identical", (rec("a/rain.wav", "h3"), "identical", None),
             (rec("b/rain copy.wav", "h3"), "identical", None))  # fmt: skip
HITS = group("g3", "contained", (rec("a/hits.wav", "h6"), "identical", None),
             (rec("a/hit 2.wav", "h7"), "contained", 1.25))  # fmt: skip
LEVELS = {"identical": [RAIN], "recording": [DOOR, RAIN], "contained": [DOOR, RAIN, HITS]}


@pytest.fixture
def view(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    app = CopiesApp(Copies(LEVELS))
    tasks = Tasks(parent)
    writes = WriteActions(app, Selection([]), tasks, parent)
    dialog = DuplicatesDialog(app, tasks, Preview(), writes, parent)
    dialog.show_view()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    yield dialog
    tasks.shutdown()


def files_of(dialog, row: int) -> list[tuple[str, str]]:
    """(keep mark, name) of each file row of a group, top to bottom."""
    head = dialog.model.index(row, 0)
    return [(dialog.model.index(i, 0, head).data(), dialog.model.index(i, 1, head).data())
            for i in range(dialog.model.rowCount(head))]  # fmt: skip


def relations(dialog, row: int) -> list[str]:
    head = dialog.model.index(row, 0)
    return [dialog.model.index(i, 3, head).data() for i in range(dialog.model.rowCount(head))]


def test_groups_are_listed_keeper_first_and_the_level_narrows_them(qtbot, view):
    assert view.model.index(0, 0).data().startswith("3 copies · same recording · door.wav")
    assert files_of(view, 0) == [("★", "door.wav"), ("", "door.wav"), ("", "door.mp3")]
    mp3 = view.model.index(2, 0, view.model.index(0, 0))
    assert [view.model.index(2, c, view.model.index(0, 0)).data() for c in (3, 5, 6, 7)] == [
        "same recording", "MP3", "44.1 kHz", "—"]  # fmt: skip
    view.tree.setCurrentIndex(mp3)
    assert view.preview.shown[-1].path == mp3.data(COPY_ROLE).path, "selecting auditions it"
    qtbot.keyClick(view.tree, Qt.Key.Key_Space)
    qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert view.preview.keys == ["toggle", "start"], "space plays or stops, Enter from the start"
    assert files_of(view, 0)[0] == ("★", "door.wav"), "Enter never acts on the files"
    view.level.setCurrentIndex(0)  # identical audio only
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert files_of(view, 0) == [("★", "rain.wav"), ("", "rain copy.wav")]
    assert view.tree.isColumnHidden(OFFSET_COLUMN), "no regions: no offsets to show"
    view.level.setCurrentIndex(2)  # regions of longer files too
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    region = view.model.index(1, OFFSET_COLUMN, view.model.index(2, 0))
    assert region.data() == "at 1.25 s" and not view.tree.isColumnHidden(OFFSET_COLUMN)


def test_an_action_touches_the_others_only_after_confirmation(qtbot, view, monkeypatch):
    asked, answer = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text: asked.append(text) or answer[0])  # fmt: skip
    head = view.model.index(0, 0)
    view.tree.setCurrentIndex(view.model.index(2, 1, head))  # the MP3 …
    view.keep_current()  # … is kept instead
    assert files_of(view, 0)[0] == ("★", "door.mp3"), "the star moves to the chosen file"
    picked = view.tree.selectionModel()
    flags = picked.SelectionFlag.ClearAndSelect | picked.SelectionFlag.Rows
    picked.select(view.model.index(0, 0, head), flags)  # a file of the first group
    qtbot.keyClick(view.tree, Qt.Key.Key_Delete)
    assert "Move 2 files to the system Trash" in asked[0] and "Undo" in asked[0]
    assert view.model.groups and not view.actions.app.copies.applied, "No: nothing is done"
    answer[0] = QMessageBox.StandardButton.Yes
    view.buttons["hide"].click()
    qtbot.waitUntil(lambda: "hid 2 files" in view.status.text())
    action, groups, _dest = view.actions.app.copies.applied[0]
    assert action == "hide" and [g.id for g in groups] == ["g1"]
    assert groups[0].keeper.path.endswith("door.mp3")
    assert sorted(os.path.relpath(c.path, "/lib") for c in groups[0].others) == [
        "a/door.wav", "b/door.wav"]  # fmt: skip
    qtbot.waitUntil(lambda: relations(view, 0) == ["keeper", "same recording · hidden",
                                                   "same recording · hidden"])  # fmt: skip
    assert files_of(view, 0)[0] == ("★", "door.mp3"), "listed again, the keeper as chosen"

    view.undo_button.click()
    qtbot.waitUntil(lambda: "restored 2 files" in view.writes.report_box.text().lower()
                    if view.writes.report_box else False)  # fmt: skip
    assert view.actions.app.changes.undone == ["batch-1"]
    assert asked[-1] == "Put back the 2 files hidden by the last action on copies?"
    qtbot.waitUntil(lambda: "hidden" not in " ".join(relations(view, 0)))


def test_a_missing_app_action_says_so_instead_of_failing(qtbot, view, monkeypatch):
    monkeypatch.setattr(type(view.actions.app.copies), "apply", None)
    view.buttons["trash"].click()
    assert "not available" in view.status.text()


def hit_with_copies() -> list[Hit]:
    def hit(f, rank, copies=()):
        return Hit(f.path, rank, 1.0 - rank / 10, None, 0.5, 1.0, ["door"], f,
                   copies=list(copies))  # fmt: skip

    door, bounce, mp3 = rec("a/door.wav", "h1"), rec("b/door.wav", "h1"), rec("c/d.mp3", "h2")
    return [hit(door, 1, [HitCopy(bounce.path, "identical", bounce),
                          HitCopy(mp3.path, "recording", mp3)]),
            hit(rec("a/apple.wav", "h5"), 2)]  # fmt: skip


class Review:
    def load_notes(self, hits) -> None:
        self.loaded = list(hits)


def test_a_hit_with_copies_shows_one_row_that_unfolds_under_it(qtbot):
    model, proxy = ResultsModel(), ResultsProxy()
    proxy.setSourceModel(model)
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    selection = ResultsSelection(table, proxy)
    rows = CopyRows(model, selection, Review())
    model.set_hits(hit_with_copies())

    def names():
        return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]

    assert names() == ["door.wav   ▸ ×3", "apple.wav"]
    tip = proxy.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "/lib/b/door.wav (identical)" in tip and "/lib/c/d.mp3 (same recording)" in tip
    table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # by format: both hits are WAV
    selection.select_row(0)
    assert rows.key(Qt.Key.Key_Right)
    unfolded = ["door.wav   ▾ ×3", "    ↳ door.wav · identical", "    ↳ d.mp3 · same recording"]
    assert names() == [*unfolded, "apple.wav"]
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # by name: the copies stay under it
    assert names() == ["apple.wav", *unfolded]
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert names() == [*unfolded, "apple.wav"]
    copy = proxy.index(2, 0)
    assert proxy.index(2, 1).data() == "", "a copy is not ranked on its own"
    assert copy.data(HIT_ROLE).path == "/lib/c/d.mp3" and copy.data(HIT_ROLE).start == 0.5
    urls = model.mimeData([proxy.mapToSource(copy)]).urls()
    assert [u.toLocalFile() for u in urls] == ["/lib/c/d.mp3"], "a copy drags its own file"
    selection.select_row(2)
    assert rows.key(Qt.Key.Key_Left)
    assert names() == ["door.wav   ▸ ×3", "apple.wav"]
    assert selection.current_hit().path == "/lib/a/door.wav"
