"""The window's controllers work over the objects they are handed, with no window: the search
controller's "like this", marks and labels, and the write-back's choice of files."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from soundseek.ui.results_model import ResultsModel
from soundseek.ui.search_controller import DEFAULT_PLACEHOLDER, SearchController
from soundseek.ui.write_actions import WriteActions
from tests.ui.fakes import Selection


class Runner:
    """Stands in for the SearchRunner: keeps what would run, under which label."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def submit(self, _call, label: str) -> None:
        self.labels.append(label)


def _hit(path: str):
    return SimpleNamespace(path=path, file=SimpleNamespace(path=path))


@pytest.fixture
def search(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    runner, current = Runner(), _hit("/lib/door creak.wav")
    controller = SearchController(
        app=SimpleNamespace(models=SimpleNamespace(embedder=None)), field=QLineEdit(parent),
        sidebar=SimpleNamespace(filter_tokens=lambda: "ext:wav"), results=ResultsModel(),
        selection=Selection([current]), preview=None, runner=runner,
        review=SimpleNamespace(view=None), tasks=None, parent=parent,
    )  # fmt: skip
    return controller, runner, current


def test_like_this_then_typing_then_esc_labels_each_search(search):
    controller, runner, current = search
    messages: list[str] = []
    controller.message.connect(messages.append)
    controller.more_like(current, (0.5, 1.0))  # no model to listen to the region: whole file
    assert controller.session.reference.path == current.path
    assert controller.session.reference.region is None
    assert runner.labels[-1] == "more like door creak.wav"
    assert "like “door creak.wav”" in controller.field.placeholderText()
    controller.field.setText("metal -wood")
    controller.run()
    assert runner.labels[-1] == "more like door creak.wav, metal -wood"
    assert controller.steer_key(Qt.Key.Key_Minus) and controller.session.bad == [current.path]
    assert messages[-1] == "door creak.wav: bad; re-ranking"
    assert controller.end_like() and controller.session.reference is None
    assert controller.field.placeholderText() == DEFAULT_PLACEHOLDER
    assert runner.labels[-1] == "metal -wood ext:wav"
    assert not controller.steer_key(Qt.Key.Key_A), "letters are the review keys, not steering"


def test_write_back_dry_runs_the_selection_or_everything_when_nothing_is_selected(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    asked: list = []
    writes = SimpleNamespace(write_metadata=lambda paths, dry_run: asked.append(paths) or [])
    app = SimpleNamespace(writes=writes)
    tasks = SimpleNamespace(run=lambda call, _done, _failed: call())
    selection = Selection([_hit("/lib/a.wav"), _hit("/lib/b.wav")])
    writes = WriteActions(app, selection, tasks, parent)
    writes.write_to_files()
    selection.hits = []
    writes.write_to_files()
    assert asked == [["/lib/a.wav", "/lib/b.wav"], None]
