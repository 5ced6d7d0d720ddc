"""The window never writes what the user did not pick, and says what it did (issue 20, §3):
driven as a user drives it, offscreen."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from soundseek.app import App
from tests.ui import test_gui
from tests.ui.test_gui import (
    column,
    idle,
    menu_action,
    open_view,
    review_window,
    saved,
    select,
    shown_names,
    type_query,
    wait_notes,
)

make_window = test_gui.make_window  # the window fixture, shared


def _picking(qtbot, monkeypatch, keys):
    """E opens the picker; `keys(dialog)` is what the user types in it. Returns what the
    picker showed when the user pressed Enter."""
    from soundseek.ui.category_picker import CategoryPicker

    seen = {}

    def run(dialog):
        keys(dialog)
        seen["shown"], seen["chosen"] = dialog.shown(), dialog.chosen()
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
        return dialog.result()

    monkeypatch.setattr(CategoryPicker, "exec", run)
    return seen


def test_category_picker_ranks_whole_words_first_and_enter_applies_the_highlighted_row(
    qtbot, make_window, home, tmp_path, monkeypatch
):
    from soundseek.metadata.reader import read_metadata
    from soundseek.ui.write_dialog import WriteDialog

    win, files = review_window(qtbot, make_window, home, tmp_path)
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    beep, other = files["beep"][0], files["beep"][1]
    highlighted = []

    def male(dialog):
        qtbot.keyClicks(dialog.filter, "voice male")
        highlighted.append(dialog.chosen())
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Down)
        highlighted.append(dialog.chosen())
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Up)

    seen = _picking(qtbot, monkeypatch, male)
    select(win, [beep])
    qtbot.keyClick(win.table, Qt.Key.Key_E)
    assert seen["shown"][:2] == ["VOXMale", "VOXFem"], "male is a whole word of VOICES-MALE only"
    assert highlighted == ["VOXMale", "VOXFem"], "the best match is highlighted; Down moves on"
    saved(qtbot, win)
    qtbot.waitUntil(lambda: column(win, "Category")[os.path.basename(beep)] == "VOXMale",
                    timeout=10000)  # fmt: skip

    seen = _picking(
        qtbot,
        monkeypatch,
        lambda d: (
            qtbot.keyClicks(d.filter, "voice male"),
            qtbot.keyClick(d.filter, Qt.Key.Key_Down),
        ),
    )
    select(win, [other])
    qtbot.keyClick(win.table, Qt.Key.Key_E)
    assert seen["chosen"] == "VOXFem"
    saved(qtbot, win)
    qtbot.waitUntil(lambda: column(win, "Category")[os.path.basename(other)] == "VOXFem",
                    timeout=10000)  # fmt: skip

    monkeypatch.setattr(WriteDialog, "exec", lambda _d: 1)
    select(win, [beep, other])
    menu_action(win, "Write metadata to files…").trigger()
    qtbot.waitUntil(lambda: "wrote 2 files" in win.status_label.text(), timeout=20000)
    assert read_metadata(beep).catid == "VOXMale" and read_metadata(other).catid == "VOXFem"


def test_after_edit_category_the_next_row_is_selected_and_t_tags_it(
    qtbot, make_window, home, tmp_path, monkeypatch
):
    win, files = review_window(qtbot, make_window, home, tmp_path)
    open_view(qtbot, win, "uncategorised")
    first = win.proxy.index(0, 0).data()
    select(win, [next(p for ps in files.values() for p in ps if os.path.basename(p) == first)])
    _picking(qtbot, monkeypatch, lambda d: qtbot.keyClicks(d.filter, "door wood"))
    win.search.last_result = None
    qtbot.keyClick(win.table, Qt.Key.Key_E)
    saved(qtbot, win)
    qtbot.waitUntil(lambda: win.search.last_result is not None and first not in shown_names(win),
                    timeout=10000)  # fmt: skip
    saved(qtbot, win)
    shown = win.preview.hit
    current = win.selection.current_hit()
    assert shown is not None and shown is current, "the preview shows the selection"
    assert [h.path for h in win.selection.selected_hits()] == [shown.path]

    qtbot.keyClick(win.table, Qt.Key.Key_T)
    qtbot.keyClicks(win.preview.tags.field, "keeper")
    qtbot.keyClick(win.preview.tags.field, Qt.Key.Key_Return)
    saved(qtbot, win)
    assert win.app.review.tags_of([shown.path]) == {shown.path: ["keeper"]}
    assert win.preview.tags.field.text() == ""


def test_tagging_with_nothing_selected_says_so_and_keeps_the_text(
    qtbot, make_window, home, tmp_path
):
    win, files = review_window(qtbot, make_window, home, tmp_path)
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    assert win.selection.current_hit() is None and win.preview.hit is None
    win.preview.tags.field.setFocus()
    qtbot.keyClicks(win.preview.tags.field, "keeper")
    qtbot.keyClick(win.preview.tags.field, Qt.Key.Key_Return)
    saved(qtbot, win)
    QApplication.processEvents()
    assert "No file selected" in win.status_label.text()
    assert win.preview.tags.field.text() == "keeper", "the text waits for a selection"
    everyone = [p for ps in files.values() for p in ps]
    assert not any(win.app.review.tags_of(everyone).values())


def test_a_new_search_clears_a_preview_of_a_row_that_is_gone(qtbot, make_window, home, tmp_path):
    win, files = review_window(qtbot, make_window, home, tmp_path)
    type_query(qtbot, win, "take")
    select(win, files["hiss"][:1])
    qtbot.waitUntil(lambda: win.preview.hit is not None, timeout=5000)
    type_query(qtbot, win, "DOORWood")
    assert win.selection.current_hit() is None and win.preview.hit is None
    assert win.preview.title.text() == "Select a sound"


def test_a_model_imported_from_a_terminal_shows_and_settings_ok_keeps_it(
    qtbot, make_window, home, library, tiny_model_dir, monkeypatch
):
    from soundseek.cli.main import main
    from soundseek.ui.dialogs import SettingsDialog

    win = make_window([library["door"].parents[1]])
    qtbot.waitUntil(lambda: win.banner.state == "ModelUnavailable", timeout=20000)
    assert "(not loaded)" in win.model_label.text()
    assert main(["model", "import", str(tiny_model_dir), "--name", "tiny"]) == 0  # a terminal
    qtbot.waitUntil(lambda: win.app.models.embedder is not None, timeout=30000)
    qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=5000)
    assert "Model: tiny" in win.model_label.text() and "(not loaded)" not in win.model_label.text()

    def ok(dialog):
        dialog.auto_play.click()  # the user changes one thing only
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", ok)
    menu_action(win, "Settings…").trigger()
    on_disk = App.open(home).settings
    assert on_disk.model == "tiny", "the window never writes its old model back"
    assert on_disk.auto_play is False and win.app.settings.model == "tiny"


def test_write_and_undo_say_what_they_did_with_counts(
    qtbot, make_window, home, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from soundseek.ui.write_dialog import WriteDialog

    win, files = review_window(qtbot, make_window, home, tmp_path)
    tagged, untouched, gone = files["rumble"][:2], files["hiss"][0], files["beep"][0]
    win.app.review.tag("keeper", [*tagged, gone])
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    os.unlink(gone)  # deleted after indexing: refused, with its reason
    monkeypatch.setattr(WriteDialog, "exec", lambda _d: 1)
    select(win, [*tagged, untouched, gone])
    menu_action(win, "Write metadata to files…").trigger()
    writes = win.write_actions
    qtbot.waitUntil(lambda: writes.report_box is not None and writes.report_box.isVisible(),
                    timeout=20000)  # fmt: skip
    box = writes.report_box
    assert box.text() == "Wrote 2 files, 1 unchanged, 1 refused."
    assert "Details" in box.informativeText() and "Undo last change" in box.informativeText()
    assert box.detailedText().startswith(os.path.basename(gone) + ": ")
    assert "wrote 2 files, 1 unchanged, 1 refused" in win.status_label.text()
    box.close()

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text: asked.append(text)
                        or QMessageBox.StandardButton.Yes)  # fmt: skip
    menu_action(win, "Undo last change").trigger()
    qtbot.waitUntil(lambda: writes.report_box is not box and writes.report_box is not None,
                    timeout=20000)  # fmt: skip
    assert asked == ["Put the 2 files of the last write back as they were, byte for byte?"]
    assert writes.report_box.text() == "Restored 2 files." and writes.report_box.isVisible()
    assert "restored 2 files" in win.status_label.text()


def test_counts_move_with_each_commit_while_indexing(
    qtbot, make_window, home, tmp_path, installed_tiny, monkeypatch
):
    import threading

    import soundfile as sf

    from soundseek.ingest import embed_commits
    from tests.audiofiles import noise

    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(6):
        sf.write(lib / f"take_{i:02d}.wav", noise(1.0, seed=i), 48000)
    go_on, real, commits = threading.Event(), embed_commits.write_results, []

    def commit_then_hold(*args):
        """After its second commit the run stands still until the window has shown one."""
        commits.append(real(*args))
        if len(commits) == 2:
            go_on.wait(30)
        return commits[-1]

    App.open(home).update_settings(batch_size=1)  # a model call per window
    monkeypatch.setattr(embed_commits, "FLUSH_SECONDS", 0.0)  # a commit per embedded file
    monkeypatch.setattr(embed_commits, "write_results", commit_then_hold)
    win = make_window([lib])

    def between(text: str) -> bool:
        """Some files counted, not yet all."""
        return any(f"{n} files indexed" in text for n in range(1, 6))

    try:
        qtbot.waitUntil(lambda: win.keeper.running and between(win.model_label.text()),
                        timeout=30000)  # fmt: skip
        assert "6 files · indexing…" in win.sidebar.folders.item(0).text()
        assert between(win.windowTitle())
    finally:
        go_on.set()
    qtbot.waitUntil(lambda: idle(win) and "6 files indexed" in win.model_label.text(),
                    timeout=30000)  # fmt: skip
    qtbot.waitUntil(lambda: "6 files · up to date" in win.sidebar.folders.item(0).text())


def test_a_newcomers_first_window_says_what_to_do_in_its_own_terms(
    qtbot, make_window, library, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    from tests.ui.test_gui import PortAudioError

    def no_device():
        raise PortAudioError("Error querying device -1")

    win = make_window(open_output=no_device)
    assert win.results_stack.currentWidget() is win.empty and win.empty.isVisible()
    assert "Add a folder to start" in win.empty.findChild(QLabel).text()
    assert win.audio_label.text() == "No audio output device — preview is off"
    qtbot.waitUntil(lambda: win.banner.state == "ModelUnavailable", timeout=20000)
    said = win.banner.text.text()
    assert said.lower().count("metadata") == 1, "said once"
    assert "soundseek " not in said and "`" not in said, "no terminal commands in the window"
    assert win.banner.download.isVisible() and win.banner.importer.isVisible()
    qtbot.waitUntil(lambda: win.preview.wave is not None and win.preview.wave.isVisible(),
                    timeout=10000)  # fmt: skip
    qtbot.waitUntil(win.preview.wave.placeholder.isVisible, timeout=5000)
    assert win.preview.wave.is_empty()
    assert not win.preview.wave.plot.isVisible(), "no axis around nothing"

    folder = str(library["door"].parents[1])
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: folder)
    qtbot.mouseClick(win.empty.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.sidebar.folders.count() == 1, timeout=10000)
    assert folder in win.sidebar.folders.item(0).text()
    qtbot.waitUntil(lambda: win.results_stack.currentWidget() is win.table, timeout=10000)


def test_nothing_is_cut_off_at_the_default_size(qtbot, make_window):
    win = make_window(start=False)
    assert (win.width(), win.height()) == (1280, 800)
    header = win.table.horizontalHeader()
    for col in range(header.count()):
        text = win.proxy.headerData(col, Qt.Orientation.Horizontal)
        needed = header.sectionSizeFromContents(col).width()
        assert header.sectionSize(col) >= needed, f"the {text!r} header is cut off"
    field = win.preview.tags.field
    words = field.fontMetrics().horizontalAdvance(field.placeholderText())
    assert words + 12 <= field.width(), "the tag field's placeholder is cut off"
    long = "3 results for door · " + "sound search is off: no CLAP model loaded " * 4
    win.show_message(long)
    assert win.status_label.shown_text().endswith("…"), "a long message ends visibly cut"
    assert win.status_label.toolTip() == long


def test_model_help_says_what_a_model_folder_holds(capsys):
    import pytest

    from soundseek.cli.main import main

    with pytest.raises(SystemExit):
        main(["model", "--help"])
    out = capsys.readouterr().out
    for needed in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
                   "preprocessor_config.json", ".pt"):  # fmt: skip
        assert needed in out


# -- a new model's one-time preparation, as a named stage ----------------------------------------
def _fresh_model(tiny_model_dir, tmp_path):
    """The tiny model without its ONNX exports and gate verdicts, chosen by its folder."""
    import shutil

    fresh = tmp_path / "fresh-tiny"
    shutil.copytree(tiny_model_dir, fresh, ignore=shutil.ignore_patterns(".soundseek"))
    return fresh


def _small_library(tmp_path, n=2):
    import soundfile as sf

    from tests.audiofiles import noise

    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(n):
        sf.write(lib / f"take_{i:02d}.wav", noise(1.0, seed=i), 48000)
    return lib


def test_the_cli_names_a_new_models_one_time_stage_before_the_first_file(
    home, tmp_path, tiny_model_dir, capsys
):
    from soundseek.cli.main import main

    app = App.open(home)
    app.update_settings(model=str(_fresh_model(tiny_model_dir, tmp_path)))
    app.roots.add_root(str(_small_library(tmp_path)))
    assert main(["index"]) == 0
    lines = capsys.readouterr().err.splitlines()
    stage = [ln for ln in lines if ln.startswith("Preparing the model for this computer")]
    assert [s.split(": ", 1)[1] for s in stage] == [  # int8 fails this model's gate, fp32 passes
        "step 1 of 3, exporting the audio encoder…",
        "step 2 of 3, checking the fast encoder against the original (fidelity gate)…",
        "step 3 of 3, checking the fast encoder against the original (fidelity gate)…",
        "done",
        "step 1 of 1, exporting the text encoder…",
        "done",
    ]
    first_file = next(i for i, ln in enumerate(lines) if ln.startswith("embedding:"))
    assert lines.index(stage[-1]) < first_file, "the stage ends before the first file"
    assert main(["index"]) == 0
    assert "Preparing the model" not in capsys.readouterr().err, "one time only"


def test_the_window_shows_a_new_models_one_time_stage_before_the_first_file(
    qtbot, make_window, home, tmp_path, tiny_model_dir
):
    App.open(home).update_settings(model=str(_fresh_model(tiny_model_dir, tmp_path)))
    win = make_window([_small_library(tmp_path)], start=False)
    seen = []
    win.signals.model_preparing.connect(
        lambda e: seen.append(("model", e.what, win.status_label.text(), win.progress.isVisible()))
    )
    win.keeper.progress.connect(lambda p: seen.append((p.phase, p.message, p.files_done, 0)))
    win.start_background()
    qtbot.waitUntil(lambda: idle(win) and win.app.models.embedder is not None, timeout=60000)
    steps = [s for s in seen if s[0] == "model" and s[1]]
    assert [s[1] for s in steps] == ["audio export", "gate", "gate"]  # int8, then fp32
    assert all(s[2].startswith("Preparing the model for this computer (one time): step")
               and s[3] for s in steps), "named, with a step count, and a progress bar"  # fmt: skip
    phases = [s[0] for s in seen]
    first_file = phases.index("embed")
    assert phases.index("prepare") < first_file and phases.index("model") < first_file
    assert any("exporting the text encoder" in s[1] for s in seen if s[0] == "prepare")


def test_a_missing_model_installed_from_a_terminal_under_its_name_is_loaded(
    qtbot, make_window, home, library, tiny_model_dir
):
    from soundseek.cli.main import main

    App.open(home).update_settings(model="tiny")  # chosen, not on disk yet
    win = make_window([library["door"].parents[1]])
    qtbot.waitUntil(lambda: win.banner.state == "ModelUnavailable", timeout=20000)
    assert main(["model", "import", str(tiny_model_dir), "--name", "tiny"]) == 0  # no setting moves
    qtbot.waitUntil(lambda: win.app.models.embedder is not None, timeout=30000)
    qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=5000)
    assert "Model: tiny · cpu" in win.model_label.text()
