"""The real SoundSeek window, built in this process as docs/walkthrough.py builds it, so the
drag script reads its widgets' screen geometry directly (mapToGlobal) instead of guessing
pixels, and the product needs no test hook.

Qt runs on the main thread; the scenario runs on another thread and moves the real pointer
with xdotool. It asks the Qt thread for geometry and state through `QtCalls.call`, which a
timer serves (also inside the nested event loop Qt runs while a drag is in flight)."""

from __future__ import annotations

import os
import queue
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QPointF, QTimer
from PySide6.QtWidgets import QComboBox

from tests.e2e.xsession import Rect, until


class QtCalls(QObject):
    """Callables queued by the scenario thread, run on the Qt thread every 20 ms."""

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.Queue = queue.Queue()
        self._timer = QTimer(self, interval=20, timeout=self._serve)
        self._timer.start()

    def _serve(self) -> None:
        while not self._queue.empty():
            fn, future = self._queue.get()
            try:
                future.set_result(fn())
            except Exception as exc:  # handed to the caller's thread
                future.set_exception(exc)

    def call(self, fn: Callable, timeout: float = 60.0):
        future: Future = Future()
        self._queue.put((fn, future))
        return future.result(timeout)


def _rect(widget) -> Rect:
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return Rect(top_left.x(), top_left.y(), widget.width(), widget.height())


class SoundSeekWindow:
    """The MainWindow and what the scenario asks of it (each method safe from any thread)."""

    def __init__(self, ss, library: Path) -> None:
        from PySide6.QtWidgets import QApplication

        from soundseek.audio.playback import NullOutput
        from soundseek.ui.main_window import MainWindow
        from soundseek.ui.theme import apply_theme

        self.qapp = QApplication.instance() or QApplication(sys.argv[:1])
        apply_theme(self.qapp, "dark")
        self.calls = QtCalls()
        self.ss = ss
        self.win = MainWindow(ss, NullOutput)
        self.win.preview.auto_play.setChecked(False)
        self.library = library

    def show(self, rect: Rect) -> None:
        """Show at `rect` (Qt thread), open the index and index the library."""
        self.win.setGeometry(rect.x, rect.y, rect.w, rect.h)
        self.win.show()
        self.win.start_background()
        self.win.library.add_folder(str(self.library))

    def call(self, fn: Callable, timeout: float = 60.0):
        return self.calls.call(fn, timeout)

    # -- state ---------------------------------------------------------------------------------
    def wait_indexed(self, timeout: float = 120.0) -> None:
        w = self.win
        until(lambda: self.call(lambda: w.library.first_run_done and not w.keeper.running
                                and self.ss.models.embedder is not None),
              timeout, "the library was not indexed")  # fmt: skip

    def wait_results(self, count: int, timeout: float = 30.0) -> list[str]:
        w = self.win

        def shown() -> list[str] | None:
            done = w.search.last_result is not None and w.search_runner.idle()
            names = self._row_names()
            return names if done and len(names) >= count else None

        return until(lambda: self.call(shown), timeout, f"fewer than {count} results shown")

    def _row_names(self) -> list[str]:
        from soundseek.ui.results_model import HIT_ROLE

        p = self.win.proxy
        return [os.path.basename(p.index(r, 0).data(HIT_ROLE).path) for r in range(p.rowCount())]

    def selected_names(self) -> list[str]:
        return self.call(lambda: [os.path.basename(h.path)
                                  for h in self.win.selection.selected_hits()])  # fmt: skip

    def wait_preview(self, name: str, timeout: float = 15.0) -> None:
        """The preview shows `name` with its own envelope drawn."""
        w = self.win

        def ready() -> bool:
            hit, wave = w.preview.hit, w.preview.wave
            return (hit is not None and os.path.basename(hit.path) == name and wave is not None
                    and abs(wave.duration - hit.file.duration) < 1e-6)  # fmt: skip

        until(lambda: self.call(ready), timeout, f"the preview never showed {name}")
        time.sleep(0.3)

    def region(self) -> tuple[float, float] | None:
        return self.call(self.win.preview.selection)

    def handle_files(self) -> list[str]:
        """What the "Drag to DAW" handle hands over now (asked of it as a drop target asks)."""
        return self.call(lambda: list(self.win.preview.drag_handle.provide() or []))

    # -- geometry ------------------------------------------------------------------------------
    def window_id(self) -> int:
        return self.call(lambda: int(self.win.winId()))

    def search_field(self) -> Rect:
        return self.call(lambda: _rect(self.win.search_field))

    def drag_handle(self) -> Rect:
        return self.call(lambda: _rect(self.win.preview.drag_handle))

    def row(self, name: str) -> Rect:
        """The name cell of the row showing `name`, scrolled into view."""

        def find() -> Rect:
            table = self.win.table
            row = self._row_names().index(name)
            index = self.win.proxy.index(row, 0)
            table.scrollTo(index)
            r = table.visualRect(index)
            top_left = table.viewport().mapToGlobal(r.topLeft())
            return Rect(top_left.x(), top_left.y(), r.width(), r.height())

        return self.call(find)

    def wave_point(self, seconds: float) -> tuple[int, int]:
        """The screen point of `seconds` on the waveform, half-way down."""

        def where() -> tuple[int, int]:
            wave = self.win.preview.wave
            vb = wave._vb  # the view box maps seconds to pixels; the scene to the widget
            scene = vb.mapViewToScene(QPointF(seconds, 0.0))
            local = wave.plot.mapFromScene(scene)
            p = wave.plot.viewport().mapToGlobal(local)
            return p.x(), p.y()

        return self.call(where)

    def header(self, column: int) -> Rect:
        def find() -> Rect:
            header = self.win.table.horizontalHeader()
            x = header.sectionViewportPosition(column)
            top_left = header.viewport().mapToGlobal(QPoint(x, 0))
            return Rect(top_left.x(), top_left.y(), header.sectionSize(column), header.height())

        return self.call(find)

    # -- what a drag carries ---------------------------------------------------------------
    def row_path(self, name: str) -> str:
        """The library file of the row showing `name`."""
        from soundseek.ui.results_model import HIT_ROLE

        def find() -> str:
            row = self._row_names().index(name)
            return self.win.proxy.index(row, 0).data(HIT_ROLE).path

        return self.call(find)

    def row_drag_paths(self) -> list[str]:
        """The files a drag of the selected rows hands over now (the table's own MIME data,
        asked for its URLs as a drop target asks)."""

        def paths() -> list[str]:
            rows = self.win.table.selectionModel().selectedRows()
            return [u.toLocalFile() for u in self.win.proxy.mimeData(rows).urls()]

        return self.call(paths)

    def set_transfer_preset(self, key: str) -> bool:
        """Choose the DAW transfer preset in the preview's "Transfer as" selector; False when
        this SoundSeek has none."""

        def choose() -> bool:
            box = self.win.findChild(QComboBox, "transferPreset")
            index = box.findData(key) if box is not None else -1
            if index < 0:
                return False
            box.setCurrentIndex(index)
            return self.ss.settings.transfer_preset == key

        return self.call(choose)

    def transfer_folder(self) -> str:
        """Where transferred copies go (the user's folder or the home's transfer folder)."""
        return self.call(lambda: os.path.abspath(str(self.ss.transfers.folder)))
