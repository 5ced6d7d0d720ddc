"""The drags the end-to-end check makes, one `Case` each: what the user does in SoundSeek
(click, shift-click, select on the waveform) and the drag itself, returning the files the DAW
must now hold. A new way to drag is one more entry in CASES.

Rows are sorted by name first (a click on the Name header), so the non-ASCII "Café_Door.wav"
is the top row and the other three are contiguous for the shift-click case."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import soundfile as sf

from tests.e2e import xsession as xs
from tests.e2e.library import BWF96, CAFE, SOUNDS
from tests.e2e.window import SoundSeekWindow

Point = tuple[int, int]


@dataclass(frozen=True)
class Dropped:
    """What a case handed the DAW: file names, and the full paths for the proof to read."""

    paths: list[str]
    note: str = ""  # what the case checked of the files themselves

    @property
    def names(self) -> list[str]:
        return [os.path.basename(p) for p in self.paths]


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    run: Callable[[SoundSeekWindow, Point], Dropped]


def prepare(win: SoundSeekWindow, query: str) -> list[str]:
    """Type the query as a user does, then sort the results by name (header click)."""
    xs.focus(win.window_id())
    xs.click(*win.search_field().centre)
    xs.xdo("type", "--delay", "40", query)
    win.wait_results(len(SOUNDS))
    wanted = sorted(s.name for s in SOUNDS)
    for _ in range(2):  # ascending after one click or two, whatever the default order was
        xs.click(*win.header(0).at(0.3, 0.5))
        names = win.wait_results(len(SOUNDS))
        if names == wanted:
            return names
    raise AssertionError(f"results not sorted by name: {names}")


def _select(win: SoundSeekWindow, name: str) -> None:
    xs.click(*win.row(name).at(0.3, 0.5))
    xs.until(lambda: win.selected_names() == [name], 10, f"row {name} was not selected")


def one_row(win: SoundSeekWindow, target: Point) -> Dropped:
    """(a) One results row, the file with the non-ASCII name."""
    _select(win, CAFE.name)
    path = win.row_path(CAFE.name)
    xs.drag(win.row(CAFE.name).at(0.3, 0.5), target)
    return Dropped([path])


def region(win: SoundSeekWindow, target: Point) -> Dropped:
    """(b) A region drag-selected on the waveform, dragged from "Drag to DAW"."""
    _select(win, BWF96.name)
    win.wait_preview(BWF96.name)
    d = BWF96.seconds
    xs.drag(win.wave_point(d * 0.2), win.wave_point(d * 0.6), steps=6, pause=0.05)
    xs.until(win.region, 5, "drag-selecting on the waveform made no region")
    rendered = win.handle_files()
    stem = os.path.splitext(BWF96.name)[0]
    if len(rendered) != 1 or not os.path.basename(rendered[0]).startswith(stem + "_"):
        raise AssertionError(f"the handle would hand over {rendered}, not a rendered region")
    xs.drag(win.drag_handle().centre, target)
    return Dropped(rendered)


def three_rows(win: SoundSeekWindow, target: Point) -> Dropped:
    """(c) Three rows at once: click the second row, shift-click the last."""
    names = win.wait_results(len(SOUNDS))
    first, last = names[1], names[-1]
    _select(win, first)
    xs.click(*win.row(last).at(0.3, 0.5), modifier="shift")
    xs.until(lambda: win.selected_names() == names[1:], 10, "shift-click did not select 3 rows")
    paths = [win.row_path(n) for n in names[1:]]
    xs.drag(win.row(names[2]).at(0.3, 0.5), target)
    return Dropped(paths)


def transferred(win: SoundSeekWindow, target: Point) -> Dropped:
    """(d) The "Ardour" preset chosen in the preview's "Transfer as" selector: a row of the
    96 kHz file goes as a 48 kHz copy in the transfer folder."""
    if not win.set_transfer_preset("ardour"):
        raise AssertionError("no Ardour entry in the preview's transfer preset selector")
    try:
        _select(win, BWF96.name)
        handed = win.row_drag_paths()
        folder = win.transfer_folder()
        for path in handed:
            rate = sf.info(path).samplerate
            inside = os.path.abspath(path).startswith(folder + os.sep)
            if not inside or rate != 48000:
                raise AssertionError(f"the drag hands over {path} at {rate} Hz, not a 48 kHz "
                                     f"copy in the transfer folder {folder}")  # fmt: skip
        xs.drag(win.row(BWF96.name).at(0.3, 0.5), target)
        time.sleep(0.5)
        return Dropped(handed, f"the 96 kHz original went as a 48 kHz copy in {folder}")
    finally:
        win.set_transfer_preset("keep")


CASES = [
    Case("a", "one results row", one_row),
    Case("b", "waveform region via Drag to DAW", region),
    Case("c", "three rows (shift-click)", three_rows),
    Case("d", "transferred copy (ardour preset)", transferred),
]
