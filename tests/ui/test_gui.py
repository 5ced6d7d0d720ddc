"""The desktop app driven like a user would, offscreen, with a null audio output."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QMenu

from soundseek.app import App
from soundseek.audio.decode import envelope_from_bytes
from soundseek.audio.playback import NullOutput
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_INDEXED
from soundseek.ui.main_window import MainWindow
from soundseek.ui.results_model import HIT_ROLE
from tests.audiofiles import noise, tone


@pytest.fixture
def make_window(qtbot, home):
    made = []

    def make(roots=(), start=True, open_output=None):
        app = App.open(home)
        for r in roots:
            app.roots.add_root(str(r))
        out = NullOutput()
        win = MainWindow(app, open_output or (lambda: out))
        win.output = out
        win.paths = home
        qtbot.addWidget(win)
        win.show()
        if start:
            win.start_background()
            qtbot.waitUntil(lambda: win.player is not None, timeout=30000)
        made.append(win)
        return win

    yield make
    for w in made:
        w.close()


def type_query(qtbot, win, text):
    win.search.last_result = None
    win.search_field.clear()
    qtbot.keyClicks(win.search_field, text)
    qtbot.waitUntil(
        lambda: win.search.last_result is not None and win.search_runner.idle(), timeout=10000
    )


def shown_names(win):
    return [os.path.basename(h.path) for h in win.results.hits]


def wait_wave(qtbot, win, longer_than: float = 0.0) -> None:
    """The waveform is built (in the background) and shows the current hit's envelope."""
    qtbot.waitUntil(
        lambda: win.preview.wave is not None and win.preview.wave.duration > longer_than,
        timeout=10000,
    )


def idle(win) -> bool:
    """The first index run is over and none is going on."""
    return win.keeper.started and win.library.first_run_done and not win.keeper.running


def wait_indexed(qtbot, win, timeout=60000):
    qtbot.waitUntil(lambda: idle(win) and win.app.models.embedder is not None, timeout=timeout)


def test_opens_without_model_and_metadata_search_works(qtbot, make_window, library):
    win = make_window([library["door"].parents[1]])
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=20000)
    assert "No sound model" in win.banner.text.text() and win.banner.state == "ModelUnavailable"
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "creak")
    assert shown_names(win) == ["DOORWood_Creak Slow_JD_MYLIB_01.wav"]
    copies = [os.path.basename(c.path) for c in win.results.hits[0].copies]
    assert copies == ["copy of door — take 2.wav"], "its byte copy is folded into its row"


def test_typing_auditioning_and_waveform(qtbot, make_window, library, installed_tiny):
    win = make_window([library["door"].parents[1]])
    wait_indexed(qtbot, win)
    type_query(qtbot, win, "door")
    assert len(win.results.hits) >= 3
    qtbot.keyClick(win.search_field, Qt.Key.Key_Down)
    first = win.selection.current_hit()
    assert (win.table.hasFocus() and first is win.results.hits[0]) or first is not None
    qtbot.waitUntil(lambda: win.player.playing and win.player.path == first.path, timeout=5000)
    qtbot.waitUntil(lambda: win.output.played_seconds() > 0.05, timeout=5000)
    stored = envelope_from_bytes(Store(win.paths.store_dir).envelopes.of(first.file.content_hash))
    wait_wave(qtbot, win)
    np.testing.assert_array_equal(win.preview.wave.envelope, stored)
    qtbot.keyClick(win.table, Qt.Key.Key_Down)
    second = win.selection.current_hit()
    assert second.path != first.path
    qtbot.waitUntil(lambda: win.player.path == second.path and win.player.playing, timeout=5000)
    qtbot.keyClick(win.table, Qt.Key.Key_Space)
    assert not win.player.playing
    qtbot.keyClick(win.table, Qt.Key.Key_Space)
    assert win.player.playing


def test_drag_gives_local_file_urls_and_region_renders_wav(
    qtbot, make_window, library, installed_tiny
):
    win = make_window([library["door"].parents[1]])
    wait_indexed(qtbot, win)
    type_query(qtbot, win, "thunder")
    row = shown_names(win).index("thunder distant roll.flac")
    idx = win.proxy.index(row, 0)
    win.table.setCurrentIndex(idx)
    hit = idx.data(HIT_ROLE)
    mime = win.proxy.mimeData([idx])
    assert [u.isLocalFile() for u in mime.urls()] == [True]
    assert mime.urls()[0].toLocalFile() == hit.path
    wait_wave(qtbot, win)
    win.preview.wave.set_selection(2.0, 3.5)
    mime = win.proxy.mimeData([idx])
    rendered = mime.urls()[0].toLocalFile()
    assert rendered.endswith(".wav") and rendered.startswith(str(win.app.transfers.folder))
    info = sf.info(rendered)
    assert info.samplerate == 48000 and abs(info.duration - 1.5) < 1e-3
    type_query(qtbot, win, "dog")
    mp3_row = shown_names(win).index("dog bark.mp3")
    url = win.proxy.mimeData([win.proxy.index(mp3_row, 0)]).urls()[0].toLocalFile()
    assert url.endswith("dog bark.wav") and sf.info(url).format == "WAV"


def test_indexing_progress_and_cancel(qtbot, make_window, tmp_path, installed_tiny):
    lib = tmp_path / "big"
    lib.mkdir()
    for i in range(40):
        sf.write(lib / f"take_{i:02d}.wav", noise(20.0, seed=i), 48000)
    win = make_window([lib], start=False)
    seen = []
    win.keeper.progress.connect(seen.append)
    win.start_background()
    qtbot.waitUntil(lambda: win.app.models.embedder is not None, timeout=30000)
    qtbot.waitUntil(
        lambda: any(p.phase == "embed" and p.files_done >= 1 for p in seen), timeout=60000
    )
    assert win.progress.isVisible() and "Indexing" in win.status_label.text()
    win.cancel_button.click()
    qtbot.waitUntil(lambda: not win.keeper.running, timeout=30000)
    assert seen[-1].phase == "cancelled"
    done = Store(win.paths.store_dir).count(ONLY_INDEXED)
    assert 1 <= done < 40


def test_new_file_in_watched_folder_shows_up(qtbot, make_window, tmp_path, installed_tiny):
    lib = tmp_path / "watched"
    lib.mkdir()
    sf.write(lib / "first.wav", tone(1.0, 300), 48000)
    win = make_window([lib])
    wait_indexed(qtbot, win)
    qtbot.waitUntil(lambda: win.keeper.watch_mode != "off", timeout=5000)
    type_query(qtbot, win, "glass")
    assert "glass break.wav" not in shown_names(win)
    sf.write(lib / "glass break.wav", noise(1.0), 48000)
    qtbot.waitUntil(lambda: "glass break.wav" in shown_names(win), timeout=30000)
    (lib / "glass break.wav").unlink()
    qtbot.waitUntil(lambda: "glass break.wav" not in shown_names(win), timeout=30000)


def test_more_like_this_from_the_window(qtbot, make_window, library, installed_tiny):
    win = make_window([library["door"].parents[1]])
    wait_indexed(qtbot, win)
    type_query(qtbot, win, "creak")
    row = shown_names(win).index("DOORWood_Creak Slow_JD_MYLIB_01.wav")
    win.table.setCurrentIndex(win.proxy.index(row, 0))
    wait_wave(qtbot, win)
    win.search.last_result = None
    win.preview.similar_button.click()
    qtbot.waitUntil(lambda: win.search.last_result is not None, timeout=10000)
    assert shown_names(win)[0] == "copy of door — take 2.wav"
    QApplication.processEvents()


def test_results_come_in_relevance_order(qtbot, make_window, library, installed_tiny):
    win = make_window([library["door"].parents[1]])
    wait_indexed(qtbot, win)
    type_query(qtbot, win, "door")
    shown = [win.proxy.index(r, 0).data(HIT_ROLE) for r in range(win.proxy.rowCount())]
    assert [h.rank for h in shown] == sorted(h.rank for h in shown)
    assert all(h.sound is not None for h in shown), "sound search is on once indexing is done"


def test_history_keeps_committed_queries_not_keystrokes(qtbot, make_window, library):
    win = make_window([library["door"].parents[1]])
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "door")
    qtbot.keyClick(win.search_field, Qt.Key.Key_Return)
    type_query(qtbot, win, "rain")
    assert win.state.history == ["door"]
    qtbot.keyClick(win.search_field, Qt.Key.Key_Down)
    assert win.state.history == ["rain", "door"]
    assert win.history.stringList() == ["rain", "door"]


def test_seeking_past_the_loaded_span_of_a_long_file_reloads_there(
    qtbot, make_window, tmp_path, monkeypatch
):
    import soundseek.audio.playback as playback

    monkeypatch.setattr(playback, "MAX_LOAD_SECONDS", 5.0)
    lib = tmp_path / "long"
    lib.mkdir()
    sf.write(lib / "long take.wav", noise(30.0, seed=2), 48000)
    win = make_window([lib])
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "long")
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    qtbot.waitUntil(lambda: win.player.playing, timeout=5000)
    assert not win.player.covers(22.0)
    win.preview.wave.seek_requested.emit(22.0)
    qtbot.waitUntil(lambda: win.player.playing and win.player.covers(22.0), timeout=5000)
    assert 22.0 <= win.player.position < 27.0


def test_drag_handle_carries_the_selected_region(qtbot, make_window, library):
    win = make_window([library["door"].parents[1]])
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "thunder")
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    wait_wave(qtbot, win)
    whole = win.preview.drag_handle.mime().urls()[0].toLocalFile()
    assert whole == str(library["thunder"])
    win.preview.wave.set_selection(1.0, 3.0)
    region = win.preview.drag_handle.mime().urls()[0].toLocalFile()
    transfers = str(win.app.transfers.folder)  # never the cache: DAWs may reference it
    assert region.startswith(transfers) and abs(sf.info(region).duration - 2.0) < 1e-3
    win.table.setFocus()
    qtbot.keyClick(win.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    qtbot.waitUntil(lambda: "transferred" in win.status_label.text(), timeout=10000)
    (copy,) = list(win.app.transfers.folder.iterdir())  # the selected region, as auditioned
    assert abs(sf.info(str(copy)).duration - 2.0) < 1e-3 and not copy.name.startswith(".")


def test_zooming_into_a_long_file_draws_detail(qtbot, make_window, tmp_path):
    lib = tmp_path / "zoom"
    lib.mkdir()
    sf.write(lib / "long ambience.wav", noise(120.0, seed=5, amp=0.05), 48000)
    win = make_window([lib])
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "ambience")
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    wait_wave(qtbot, win, longer_than=100)
    win.preview.wave.plot.setXRange(30.0, 32.0, padding=0)
    qtbot.waitUntil(lambda: win.preview.wave.detail is not None, timeout=5000)
    x, _ = win.preview.wave._hi.getData()
    assert x[0] >= 29.9 and x[-1] <= 32.1 and len(x) == 2000
    win.preview.wave.plot.setXRange(0.0, 120.0, padding=0)
    qtbot.waitUntil(lambda: win.preview.wave.detail is None, timeout=5000)


class PortAudioError(Exception):
    """What sounddevice raises (it derives from Exception only, not OSError)."""


class FlakyOutput(NullOutput):
    """A sound card that works until it is unplugged."""

    def __init__(self) -> None:
        super().__init__()
        self.unplugged = False

    def failure(self):
        return PortAudioError("Error querying device -1") if self.unplugged else None


def test_no_audio_device_at_start_keeps_the_app_running_silently(qtbot, make_window, library):
    def no_device():
        raise PortAudioError("Error querying device -1")

    win = make_window([library["door"].parents[1]], open_output=no_device)
    assert win.audio.silent and "No audio output" in win.audio_label.text()
    assert win.audio_retry.isVisible()
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "creak")
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    qtbot.waitUntil(lambda: win.player.playing, timeout=5000)  # silently, but it plays
    assert win.isVisible()


def test_device_unplugged_mid_stream_falls_back_and_retry_brings_it_back(
    qtbot, make_window, library
):
    device = FlakyOutput()
    win = make_window([library["door"].parents[1]], open_output=lambda: device)
    win.audio._check.setInterval(50)
    assert not win.audio.silent and win.audio_label.text() == ""
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    type_query(qtbot, win, "door")
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    qtbot.waitUntil(lambda: device.played_seconds() > 0.02, timeout=5000)
    device.unplugged = True
    qtbot.waitUntil(lambda: win.audio.silent, timeout=5000)
    assert win.audio_label.text() == "No audio output device — preview is off"
    assert "Error querying device -1" in win.audio_label.toolTip()
    win.table.setCurrentIndex(win.proxy.index(1, 0))
    qtbot.waitUntil(lambda: win.player.playing, timeout=5000)
    replacement = FlakyOutput()
    win.audio.open_output = lambda: replacement
    win.audio_retry.click()
    assert not win.audio.silent and win.player.output is replacement
    assert win.audio_label.text() == "" and not win.audio_retry.isVisible()


def test_the_real_app_starts_and_quits_without_a_sound_card(home, tmp_path):
    """PortAudio is installed here but there is no device: the crash users reported."""
    import subprocess
    import sys

    env = {**os.environ, "SOUNDSEEK_HOME": str(home.data_dir.parent)}
    cmd = [sys.executable, "-m", "soundseek.ui.launch", "--quit-after", "3000"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "window shown after" in out.stderr and "Traceback" not in out.stderr


def test_no_index_query_runs_on_the_ui_thread(qtbot, make_window, library, installed_tiny,
                                              monkeypatch):  # fmt: skip
    import threading

    from soundseek.index.tables import access as access_module

    on_ui = []
    real = access_module.TableAccess.table

    def watched(self, name):
        if threading.current_thread() is threading.main_thread():
            on_ui.append(name)
        return real(self, name)

    monkeypatch.setattr(access_module.TableAccess, "table", watched)
    win = make_window([library["door"].parents[1]])
    wait_indexed(qtbot, win)
    type_query(qtbot, win, "door")
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    wait_wave(qtbot, win)
    win.library.refresh()
    win.preview.similar_button.click()
    qtbot.waitUntil(lambda: win.search_runner.idle(), timeout=10000)
    win.tasks.wait_idle()
    assert on_ui == []


def test_window_shows_folders_before_the_index_opens_and_locates_a_moved_one(
    qtbot, make_window, library, tmp_path
):
    import shutil

    root = library["door"].parents[1]
    first = make_window([root])
    qtbot.waitUntil(lambda: idle(first), timeout=30000)
    first.close()
    moved = tmp_path / "renamed drive"
    shutil.move(root, moved)
    win = make_window(start=False)
    item = win.sidebar.folders.item(0)
    assert "12 files" in item.text() and "offline" in item.text(), "from the cached summary"
    win.start_background()
    qtbot.waitUntil(lambda: win.library_ready, timeout=30000)
    win.library.locate_folder(win.app.roots.all()[0].id, str(moved))
    qtbot.waitUntil(lambda: "offline" not in win.sidebar.folders.item(0).text(), timeout=10000)
    assert str(moved) in win.sidebar.folders.item(0).text()
    type_query(qtbot, win, "creak")
    assert all(h.path.startswith(str(moved)) for h in win.results.hits) and win.results.hits


def test_model_banner_tells_missing_from_broken_from_failed_download(qtbot, make_window, library):
    win = make_window([library["door"].parents[1]])
    qtbot.waitUntil(lambda: win.banner.state == "ModelUnavailable", timeout=20000)
    win.banner.download.click()  # offline in the tests: the hub cannot be reached
    qtbot.waitUntil(lambda: win.banner.state == "ModelDownloadFailed", timeout=20000)
    assert "Download failed" in win.banner.text.text()
    broken = win.app.paths.models_dir / "broken"
    broken.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (broken / name).write_text("{}")
    win.app.update_settings(model="broken")
    win.model_loader.load()
    qtbot.waitUntil(lambda: win.banner.state == "ModelInvalid", timeout=20000)
    assert "cannot be used" in win.banner.text.text() and win.isVisible()


# -- review: tags, UCS suggestions, review lists ------------------------------------------------
def review_library(home, tmp_path, per_class: int = 3) -> dict[str, list[str]]:
    """Neutral take_NN files of four sound classes, embedded by the band stand-in model (so
    the UCS suggestions are known), and one file with a UCS CatID in its name."""
    from tests.classify.test_tags import UCS_CLASSES, _synthetic_library
    from tests.fakeembed import BandEmbedder
    from tests.helpers import index

    lib = tmp_path / "neutral"
    lib.mkdir()
    files = _synthetic_library(lib, per_class=per_class, classes=UCS_CLASSES)
    named = lib / "DOORWood_Creak Slow_JD_MYLIB_01.wav"
    sf.write(named, tone(1.0, 300), 48000)
    files["named"] = [str(named)]
    index(home, [lib], BandEmbedder())
    return files


def review_window(qtbot, make_window, home, tmp_path, per_class: int = 3):
    files = review_library(home, tmp_path, per_class)
    win = make_window()
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    return win, files


def column(win, header: str) -> dict[str, str]:
    """File name -> the text a user reads in that column."""
    headers = [
        win.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(win.proxy.columnCount())
    ]
    col = headers.index(header)
    return {row_name(win, r): win.proxy.index(r, col).data() or ""
            for r in range(win.proxy.rowCount())}  # fmt: skip


def row_name(win, row: int) -> str:
    """The file name of a shown row (its Name cell also says how many copies it stands for)."""
    return os.path.basename(win.proxy.index(row, 0).data(HIT_ROLE).path)


def unfold_copies(win) -> None:
    """List every hit's copies under it (as Right on each folded row does): a test library's
    near-alike takes may fold into one row."""
    for hit in list(win.results.hits):
        win.results.expand(hit)
    win.review.load_notes([r.hit for r in win.results.rows])


def wait_notes(qtbot, win) -> None:
    qtbot.waitUntil(lambda: all(win.results.notes_of(h) for h in win.results.hits), timeout=10000)


def select(win, paths) -> None:
    """Select these files' rows (as a shift/ctrl-click would), the first one current."""
    names = {os.path.basename(p) for p in paths}
    model = win.table.selectionModel()
    model.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    rows = [r for r in range(win.proxy.rowCount()) if row_name(win, r) in names]
    assert len(rows) == len(names), "all of them are listed"
    model.setCurrentIndex(win.proxy.index(rows[0], 0), flags)
    for r in rows[1:]:
        model.select(win.proxy.index(r, 0), flags)
    win.table.setFocus()


def open_view(qtbot, win, key: str) -> None:
    item = win.sidebar.view_item(key)
    win.search.last_result = None
    rect = win.sidebar.views.visualItemRect(item)
    qtbot.mouseClick(win.sidebar.views.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: win.search.last_result is not None, timeout=10000)
    wait_notes(qtbot, win)


def saved(qtbot, win) -> None:
    """The review decisions are written and the rows show them."""
    qtbot.waitUntil(lambda: win.review.writes.idle(), timeout=10000)
    qtbot.waitUntil(lambda: win.review.tasks._running == [], timeout=10000)
    QApplication.processEvents()


def test_tagging_from_the_preview_tags_every_selected_file(qtbot, make_window, home, tmp_path):
    win, files = review_window(qtbot, make_window, home, tmp_path)
    type_query(qtbot, win, "take")
    unfold_copies(win)
    wait_notes(qtbot, win)
    picked = files["rumble"][:2] + files["hiss"][:1]
    select(win, picked)
    qtbot.keyClick(win.table, Qt.Key.Key_T)
    assert win.preview.tags.field.hasFocus(), "T puts the cursor in the tag field"
    qtbot.keyClicks(win.preview.tags.field, "Keeper  Take")
    qtbot.keyClick(win.preview.tags.field, Qt.Key.Key_Return)
    saved(qtbot, win)
    everyone = [p for ps in files.values() for p in ps]
    tagged = {p for p, tags in win.app.review.tags_of(everyone).items() if tags == ["keeper take"]}
    assert tagged == set(picked)
    qtbot.waitUntil(lambda: column(win, "Tags")[os.path.basename(picked[2])] == "keeper take")
    assert column(win, "Tags")[os.path.basename(files["rumble"][2])] == ""
    assert win.preview.tags.chip_texts() == ["keeper take ×"]

    select(win, [picked[0], files["rumble"][2]])
    assert win.preview.tags.chip_texts() == ["keeper take (1/2) ×"]
    win.preview.tags.chips[0].click()
    saved(qtbot, win)
    left = {p for p, tags in win.app.review.tags_of(everyone).items() if tags}
    assert left == set(picked[1:]), "× removes the tag from the selected files only"


def test_uncategorised_view_lists_exactly_the_uncategorised_files(
    qtbot, make_window, home, tmp_path
):
    files = review_library(home, tmp_path)
    App.open(home).review.accept_categories(files["whistle"])  # accepted: categorised now
    win = make_window()
    qtbot.waitUntil(lambda: idle(win), timeout=30000)
    open_view(qtbot, win, "uncategorised")
    expected = {os.path.basename(p) for k in ("rumble", "beep", "hiss") for p in files[k]}
    assert set(shown_names(win)) == expected, "no own CatID (the named file) and none accepted"
    assert win.sidebar.view_item("uncategorised").text() == "Uncategorised (9)"
    type_query(qtbot, win, "take")
    assert win.sidebar.views.selectedItems() == [], "typing a search leaves the review list"


def test_accept_key_fills_the_category_and_the_file_leaves_the_review_list(
    qtbot, make_window, home, tmp_path
):
    win, files = review_window(qtbot, make_window, home, tmp_path)
    hiss = os.path.basename(files["hiss"][0])
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    assert column(win, "Suggested category")[hiss].startswith("AIR-HISS ")
    assert column(win, "Category")[hiss] == ""
    select(win, files["hiss"][:1])
    qtbot.keyClick(win.table, Qt.Key.Key_A)
    saved(qtbot, win)
    qtbot.waitUntil(lambda: column(win, "Category")[hiss] == "AIRHiss", timeout=10000)
    assert column(win, "Suggested category")[hiss] == ""
    assert column(win, "Category")[os.path.basename(files["hiss"][1])] == "", "only the selection"

    open_view(qtbot, win, "review")
    assert hiss not in shown_names(win)
    assert os.path.basename(files["hiss"][1]) in shown_names(win)
    select(win, files["hiss"][1:])
    qtbot.keyClick(win.table, Qt.Key.Key_A)
    saved(qtbot, win)
    hiss_names = {os.path.basename(p) for p in files["hiss"]}
    qtbot.waitUntil(lambda: not set(shown_names(win)) & hiss_names, timeout=10000)
    assert len(shown_names(win)) == 9
    assert win.selection.current_hit() is not None, "the next file to review is selected"


def test_reject_key_removes_that_suggestion_for_good(qtbot, make_window, home, tmp_path):
    win, files = review_window(qtbot, make_window, home, tmp_path)
    beep, name = files["beep"][0], os.path.basename(files["beep"][0])
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    first = win.results.notes_of(win.results.hits[shown_names(win).index(name)]).suggestion
    assert first is not None and column(win, "Suggested category")[name].endswith("47%")
    select(win, [beep])
    qtbot.keyClick(win.table, Qt.Key.Key_R)
    saved(qtbot, win)
    qtbot.waitUntil(lambda: not column(win, "Suggested category")[name].startswith(first.name),
                    timeout=10000)  # fmt: skip
    assert column(win, "Suggested category")[name].endswith("47%"), "the next one moves up"
    offered = {c.catid for c in win.app.review.category_suggestions([beep])[0].suggestions}
    assert first.catid not in offered
    other = win.app.review.category_suggestions([files["beep"][1]])[0].suggestions
    assert other[0].catid == first.catid, "the other files keep it"

    qtbot.keyClick(win.table, Qt.Key.Key_R)
    saved(qtbot, win)
    qtbot.waitUntil(lambda: column(win, "Suggested category")[name] == "", timeout=10000)
    open_view(qtbot, win, "review")
    assert name not in shown_names(win) and len(shown_names(win)) == 11


def test_accept_all_above_respects_the_threshold(qtbot, make_window, home, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    win, files = review_window(qtbot, make_window, home, tmp_path)
    asked = []
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a: asked.append(a) or (60, True))
    open_view(qtbot, win, "review")
    action = next(a for m in win.menuBar().findChildren(QMenu) for a in m.actions()
                  if a.text().startswith("Accept all suggestions above"))  # fmt: skip
    action.trigger()
    saved(qtbot, win)
    sure = {os.path.basename(p) for k in ("rumble", "hiss") for p in files[k]}
    qtbot.waitUntil(lambda: not set(shown_names(win)) & sure, timeout=10000)
    assert len(asked) == 1
    by_name = {os.path.basename(f.path): f.catid for f in win.app.review.category_suggestions()}
    assert {n for n, c in by_name.items() if c} == sure | {"DOORWood_Creak Slow_JD_MYLIB_01.wav"}
    assert by_name["DOORWood_Creak Slow_JD_MYLIB_01.wav"] == "DOORWood", "own CatIDs are kept"
    assert set(shown_names(win)) == {os.path.basename(p) for k in ("beep", "whistle")
                                     for p in files[k]}  # fmt: skip


def test_edit_category_accepts_the_picked_category_for_the_selection(
    qtbot, make_window, home, tmp_path, monkeypatch
):
    from soundseek.ui.category_picker import CategoryPicker

    win, files = review_window(qtbot, make_window, home, tmp_path)
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)

    def pick(dialog):
        qtbot.keyClicks(dialog.filter, "doors wood")
        return 1

    monkeypatch.setattr(CategoryPicker, "exec", pick)
    select(win, files["beep"][:2])
    qtbot.keyClick(win.table, Qt.Key.Key_E)
    saved(qtbot, win)
    beeps = [os.path.basename(p) for p in files["beep"]]
    qtbot.waitUntil(lambda: column(win, "Category")[beeps[1]] == "DOORWood", timeout=10000)
    assert [column(win, "Category")[b] for b in beeps] == ["DOORWood", "DOORWood", ""]


def test_learned_tags_show_as_suggestions_and_the_accept_key_takes_them(
    qtbot, make_window, home, tmp_path, monkeypatch
):
    import threading

    from soundseek.index.tables import access as access_module

    on_ui, real = [], access_module.TableAccess.table
    monkeypatch.setattr(access_module.TableAccess, "table", lambda self, name: (
        on_ui.append(name) if threading.current_thread() is threading.main_thread() else None,
        real(self, name))[1])  # fmt: skip
    win, files = review_window(qtbot, make_window, home, tmp_path, per_class=6)
    on_ui.clear()  # the test's own set-up indexed on this thread
    birds = files["whistle"]
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    select(win, birds[:3])
    win.review_actions.focus_tags()
    qtbot.keyClicks(win.preview.tags.field, "bird")
    qtbot.keyClick(win.preview.tags.field, Qt.Key.Key_Return)
    saved(qtbot, win)
    names = [os.path.basename(p) for p in birds]
    qtbot.waitUntil(lambda: column(win, "Tags")[names[3]] == "bird?", timeout=20000)
    guessed = {n for n, t in column(win, "Tags").items() if t == "bird?"}
    assert guessed == set(names[3:]), "the rest of the class, and nothing else"
    select(win, birds[3:4])
    qtbot.keyClick(win.table, Qt.Key.Key_A)
    saved(qtbot, win)
    qtbot.waitUntil(lambda: column(win, "Tags")[names[3]] == "bird", timeout=10000)
    select(win, birds[4:5])
    qtbot.keyClick(win.table, Qt.Key.Key_R)
    saved(qtbot, win)
    qtbot.waitUntil(lambda: column(win, "Tags")[names[4]] == "", timeout=10000)
    open_view(qtbot, win, "review")
    assert set(names[5:]) <= set(shown_names(win)), "a learned guess is something to review"
    assert on_ui == [], "learning, notes, review lists and decisions all run off the UI thread"
    assert win.app.review.tags_of(birds[3:5]) == {birds[3]: ["bird"], birds[4]: []}


def test_write_from_the_review_menu_shows_the_change_first_and_undo_puts_it_back(
    qtbot, make_window, home, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from soundseek.metadata.reader import read_metadata
    from soundseek.ui.write_dialog import WriteDialog

    win, files = review_window(qtbot, make_window, home, tmp_path)
    picked = files["rumble"][:2]
    before = {p: Path(p).read_bytes() for ps in files.values() for p in ps}
    type_query(qtbot, win, "take")
    wait_notes(qtbot, win)
    select(win, picked)
    qtbot.keyClicks(win.preview.tags.field, "keeper")
    qtbot.keyClick(win.preview.tags.field, Qt.Key.Key_Return)
    saved(qtbot, win)
    win.app.review.tag("keeper", files["hiss"][:1])  # tagged too, but not selected: not written
    shown = []

    def confirm(dialog):
        shown.append([dialog.tree.topLevelItem(i).text(0)
                      for i in range(dialog.tree.topLevelItemCount())])  # fmt: skip
        return 1

    monkeypatch.setattr(WriteDialog, "exec", confirm)
    menu_action(win, "Write metadata to files…").trigger()
    qtbot.waitUntil(lambda: "wrote 2 files" in win.status_label.text(), timeout=20000)
    assert sorted(shown[0]) == sorted(os.path.basename(p) for p in picked), "selection only"
    assert all(read_metadata(p).keywords == "keeper" for p in picked)
    assert read_metadata(files["hiss"][0]).keywords == ""

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    menu_action(win, "Undo last change").trigger()
    qtbot.waitUntil(lambda: "restored 2 files" in win.status_label.text(), timeout=20000)
    assert all(Path(p).read_bytes() == data for p, data in before.items())


def menu_action(win, text: str):
    return next(a for m in win.menuBar().findChildren(QMenu) for a in m.actions()
                if a.text().startswith(text))  # fmt: skip


def test_a_team_library_opens_read_only_and_says_who_indexed_it(
    qtbot, make_window, home, tmp_path, library, s3_uri, s3_endpoint
):
    """The desktop app on a shared library searches it and never competes for its writer
    lease (the machine running `watch` or `cluster index` keeps it current)."""
    from soundseek.app import App
    from soundseek.paths import app_paths

    indexer = App.open(app_paths(tmp_path / "indexer").ensure())
    indexer.set_location(s3_uri, s3_endpoint)
    indexer.roots.add_root(str(tmp_path / "lib"))
    list(indexer.index(embed=False))
    App.open(home).set_location(s3_uri, s3_endpoint)
    win = make_window()
    qtbot.waitUntil(lambda: win.keeper.started, timeout=20000)
    win.library.refresh()
    qtbot.waitUntil(lambda: "indexed" in win.sidebar.folders.item(0).text(), timeout=10000)
    assert "team library, indexed" in win.sidebar.folders.item(0).text()
    assert "soundseek" in win.sidebar.folders.item(0).text()
    assert win.windowTitle().endswith("in the team library")
    type_query(qtbot, win, "thunder")
    assert shown_names(win) == ["thunder distant roll.flac"]
    qtbot.wait(1500)
    assert not win.keeper.running and win.library.first_run_done is False, "it never indexed"


def test_typing_after_more_like_this_changes_the_reference_and_keys_mark_hits(
    qtbot, make_window, library, installed_tiny
):
    """After "More like this" the field is empty and what is typed moves the reference
    (the search stays "more like …"); - marks the current hit bad (it leaves the list);
    Esc in the field ends the reference."""
    win = make_window([library["door"].parents[1]])
    wait_indexed(qtbot, win)
    labels: list[str] = []
    win.search_runner.results.connect(lambda _r, label: labels.append(label))
    type_query(qtbot, win, "creak")
    row = shown_names(win).index("DOORWood_Creak Slow_JD_MYLIB_01.wav")
    win.table.setCurrentIndex(win.proxy.index(row, 0))
    wait_wave(qtbot, win)
    win.preview.similar_button.click()
    qtbot.waitUntil(lambda: labels and labels[-1].startswith("more like"), timeout=10000)
    assert win.search_field.text() == "" and "like" in win.search_field.placeholderText()
    type_query(qtbot, win, "metal -wood")
    qtbot.waitUntil(lambda: labels[-1].endswith(", metal -wood"), timeout=10000)
    assert labels[-1].startswith("more like DOORWood_Creak")
    win.table.setFocus()
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    gone = shown_names(win)[0]
    n = len(labels)
    qtbot.keyClick(win.table, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: len(labels) > n, timeout=10000)
    assert gone not in shown_names(win) and win.search.session.bad
    win.table.setCurrentIndex(win.proxy.index(0, 0))
    kept = win.selection.current_hit()
    qtbot.keyClick(win.table, Qt.Key.Key_Plus)
    assert win.search.session.good == [kept.path]
    row = shown_names(win).index(os.path.basename(kept.path))
    assert win.results.data(win.results.index(row, 0), Qt.ItemDataRole.FontRole).bold()
    qtbot.keyClick(win.search_field, Qt.Key.Key_Escape)
    assert win.search.session.reference is None and "Describe" in win.search_field.placeholderText()
