"""The drag to a DAW: MIME data as each platform's DAWs expect, made lazily so a drag starts at
once; the preset selector and the audition controls decide what the drag delivers."""

from __future__ import annotations

import os
import struct
import time
from types import SimpleNamespace

import numpy as np
import soundfile as sf
from PySide6.QtCore import QUrl

from soundseek.app import App
from soundseek.ui.drag_handle import WIN_DROP_EFFECT, FileDragMime, file_mime
from soundseek.ui.preview import PreviewPane
from soundseek.ui.results_model import ResultsModel
from tests.ui.fakes import Selection

DRAG_START_BUDGET_S = 0.150


def _hit(path, seconds=1.0, rate=96_000):
    file = SimpleNamespace(duration=seconds, samplerate=rate, channels=2, ext="wav",
                           description="", libfolder="", content_hash="")  # fmt: skip
    return SimpleNamespace(path=str(path), file=file, start=None, end=None, strong=True)


def _wav(folder, name="Café Door_96k.wav", seconds=1.0):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    rng = np.random.default_rng(len(name) + sum(map(ord, name)))  # each file its own sound
    sf.write(str(path), (rng.standard_normal((int(96_000 * seconds), 2)) * 0.1).astype(np.float32),
             96_000, subtype="PCM_24")  # fmt: skip
    return path


def test_the_mime_data_suits_each_platform(qtbot):
    paths = ["/lib/Café Door.wav", "/lib/b.wav"]
    linux = file_mime(paths, "linux")
    assert [u.toLocalFile() for u in linux.urls()] == paths
    assert bytes(linux.data("text/uri-list")).startswith(b"file:///lib/Caf%C3%A9%20Door.wav\r\n")
    assert linux.text() == "\n".join(paths) and WIN_DROP_EFFECT not in linux.formats()
    mac = file_mime(paths, "darwin")
    assert [u.toLocalFile() for u in mac.urls()] == paths and WIN_DROP_EFFECT not in mac.formats()
    win = file_mime(["C:/Sounds/Café Door.wav"], "win32")
    assert win.urls() == [QUrl.fromLocalFile("C:/Sounds/Café Door.wav")]
    assert win.text() == "C:\\Sounds\\Café Door.wav"
    assert struct.unpack("<I", bytes(win.data(WIN_DROP_EFFECT))) == (1,)  # copy, never move


def test_the_files_are_made_only_when_a_target_asks(qtbot):
    asked = []
    mime = FileDragMime(lambda: asked.append(1) or ["/x/a.wav"], "linux")
    assert mime.hasUrls() and "text/uri-list" in mime.formats() and not asked
    assert [u.toLocalFile() for u in mime.urls()] == ["/x/a.wav"]
    mime.text()
    assert asked == [1]  # once per drag


def test_the_preset_decides_what_a_drag_delivers_and_the_drag_starts_at_once(qtbot, home, tmp_path):
    app = App.open(home)
    pane = PreviewPane(app)
    qtbot.addWidget(pane)
    src = _wav(tmp_path / "lib")
    pane.show_hit(_hit(src))
    assert pane.drag_paths(pane.hit) == [str(src)]  # "keep original": the file itself
    box = pane.shaping.preset_box
    box.setCurrentIndex(box.findData("protools"))
    assert App.open(home).settings.transfer_preset == "protools"  # saved for the next start
    pane._ahead.stop()  # measure a drag with nothing rendered ahead
    started = time.perf_counter()
    mime = pane.drag_handle.mime()
    assert time.perf_counter() - started < DRAG_START_BUDGET_S
    assert not app.transfers.folder.exists()  # nothing rendered to start the drag
    (dropped,) = [u.toLocalFile() for u in mime.urls()]
    info = sf.info(dropped)
    assert dropped.startswith(str(app.transfers.folder)) and (info.samplerate, info.subtype) == (
        48_000, "PCM_24")  # fmt: skip
    pane.shaping.pitch.setValue(12.0)
    pane.shaping.reverse_box.setChecked(True)
    (varied,) = pane.drag_paths(pane.hit)
    assert sf.info(varied).frames == 24_000  # one octave up: half as long
    a, b = sf.read(dropped)[0], sf.read(varied)[0]
    assert np.abs(b[-200:]).mean() > 0 and not np.allclose(a[:200], b[:200])


def test_several_rows_drag_as_several_files_rendered_ahead(qtbot, home, tmp_path):
    app = App.open(home)
    app.update_settings(transfer_preset="ardour")
    pane = PreviewPane(app)
    qtbot.addWidget(pane)
    sources = [_wav(tmp_path / "lib", f"take {n}.wav", 0.3) for n in range(3)]
    pane.show_hit(_hit(sources[0], 0.3))  # listened to: rendered ahead, in the cache
    staging = app.transfers.staging
    qtbot.waitUntil(lambda: staging.is_dir() and any(staging.iterdir()), timeout=5000)
    assert not app.transfers.folder.exists() and app.transfers.records() == []
    model = ResultsModel(pane.drag_paths)
    model.set_hits([_hit(s, 0.3) for s in sources])
    mime = model.mimeData([model.index(r, 0) for r in range(3)])
    files = [u.toLocalFile() for u in mime.urls()]
    assert [sf.info(f).samplerate for f in files] == [48_000] * 3
    assert all(f.startswith(str(app.transfers.folder)) for f in files) and len(set(files)) == 3
    (staged,) = list(staging.iterdir())
    assert os.path.samefile(files[0], staged)  # the drop linked the render made ahead
    assert len(app.transfers.records()) == 3


def test_transfer_menu_transfers_spots_and_keeps_a_history(qtbot, home, tmp_path, monkeypatch,
                                                           ptsl_standin):  # fmt: skip
    from soundseek.ui.transfer_actions import TransferActions
    from soundseek.ui.transfer_history import TransferHistoryDialog

    app = App.open(home)
    pane = PreviewPane(app)
    qtbot.addWidget(pane)
    src = _wav(tmp_path / "lib", "Whoosh Fast.wav", 0.5)
    pane.show_hit(_hit(src, 0.5))
    said: list[str] = []
    xf = TransferActions(app, Selection([pane.hit]), pane, pane.tasks, pane)
    xf.message.connect(said.append)
    xf.transfer_selected()  # "keep original": the file copied as it is
    qtbot.waitUntil(lambda: said[-1].startswith("transferred"), timeout=5000)
    (copy,) = list(app.transfers.folder.iterdir())
    assert copy.name == "Whoosh Fast.wav" and copy.read_bytes() == src.read_bytes()
    monkeypatch.setenv("SOUNDSEEK_PTSL_ADDRESS", ptsl_standin.address)
    xf.spot_to_pro_tools()
    qtbot.waitUntil(lambda: said[-1].startswith("spotted"), timeout=10000)
    assert "01:00:04:00" in said[-1] and ptsl_standin.file_problems == []
    dialog = TransferHistoryDialog(app)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2 and dialog.table.item(0, 1).text() == "protools"
    dialog.table.selectRow(1)
    dialog.again()
    assert dialog.note.text().startswith("reused")


def test_a_drop_that_cannot_be_made_says_why_and_drops_nothing(qtbot):
    from soundseek.errors import TransferError
    from soundseek.ui.drag_handle import DragHandle

    said: list[str] = []
    DragHandle.on_failure = lambda exc: said.append(str(exc))
    try:

        def broken() -> list[str]:
            raise TransferError("/lib/gone.wav", "No such file or directory")

        mime = FileDragMime(broken, "linux")
        assert mime.urls() == [] and said == ["/lib/gone.wav: No such file or directory"]
    finally:
        DragHandle.on_failure = None
