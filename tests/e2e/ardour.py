"""Ardour 7 as a drop target: a fresh session on the "None (Dummy)" backend, no wizard, no
dialogs; what it imported is read back from the saved session XML.

The traps, each handled here: Ardour hides the Dummy backend unless `hide-dummy-backend` is 0;
it runs its first-start wizard unless the "been here before" marker `<config>/.a7` exists; it
shows the Audio/MIDI Setup dialog unless a saved engine state (`AudioMIDISetup`, the one the
dialog itself writes) names a backend and `try-autostart-engine` is on.
"""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.e2e import xsession as xs

SESSION = "e2e"
CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<Ardour>
  <Config>
    <Option name="hide-dummy-backend" value="0"/>
    <Option name="try-autostart-engine" value="1"/>
  </Config>
  <Extra>
    <AudioMIDISetup>
      <EngineStates>
        <State backend="None (Dummy)" driver="Normal Speed" device="Silence" input-device=""
               output-device="" sample-rate="48000" buffer-size="1024" n-periods="0"
               input-latency="0" output-latency="0" lm-input="" lm-output="" active="1"
               use-buffered-io="0" midi-option="1 in, 1 out, Silence" lru="1">
          <MIDIDevices/>
        </State>
      </EngineStates>
    </AudioMIDISetup>
  </Extra>
</Ardour>
"""


@dataclass(frozen=True)
class Source:
    """One <Source> of the session: its name, and `origin` for a file used in place."""

    name: str
    origin: str

    def matches(self, filename: str) -> bool:
        """Ardour copies a dropped file into the session (resampled to the session's rate
        where it differs) under the file's name, one source per channel ("name%L.wav",
        "name%R.wav"), numbered when the name is taken ("name-1%L.wav"); a file used in place
        keeps its path as `origin`."""
        if Path(self.origin).name == filename:
            return True
        return (
            re.fullmatch(rf"{re.escape(Path(filename).stem)}(-\d+)?(%\w)?\.wav", self.name)
            is not None
        )


class Ardour:
    name = "Ardour"

    def __init__(self, root: Path, procs: xs.Processes) -> None:
        self.root = root / "ardour"
        self.procs = procs
        self.home = self.root / "home"
        self.session_dir = self.root / SESSION
        self.session_file = self.session_dir / f"{SESSION}.ardour"
        self.env = dict(os.environ, HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                        XDG_DATA_HOME=str(self.home / ".local/share"))  # fmt: skip
        self.window = 0

    def start(self) -> None:
        """Config, marker and an empty 48 kHz session, then Ardour on it (returns at once)."""
        config = self.home / ".config" / "ardour7"
        config.mkdir(parents=True)
        (config / "config").write_text(CONFIG)
        (config / ".a7").touch()  # ARDOUR::been_here_before_path(7)
        subprocess.run(["ardour7-new_empty_session", "-s", "48000", str(self.session_dir), SESSION],
                       env=self.env, capture_output=True, check=True, timeout=60)  # fmt: skip
        self.procs.start("ardour", ["ardour", "-n", "-a", str(self.session_file)], self.env)

    def ready(self, rect: xs.Rect) -> None:
        self.window = xs.find_window(f"^{SESSION} - Ardour$", 60)
        xs.place(self.window, rect)

    def drop_point(self) -> tuple[int, int]:
        """Empty editor canvas, below the rulers and the tracks dropped so far."""
        return xs.geometry(self.window).at(0.55, 0.8)

    def imported(self) -> list[Source]:
        """Save (Ctrl+S), then the session's sources as the saved XML lists them."""
        before = self.session_file.stat().st_mtime_ns
        for _ in range(10):  # busy importing, Ardour may drop a key press: press again
            xs.focus(self.window)
            xs.xdo("key", "--window", str(self.window), "ctrl+s")
            try:
                xs.until(lambda: self.session_file.stat().st_mtime_ns != before, 2.0, "no save")
                break
            except TimeoutError:
                continue
        else:
            raise TimeoutError(f"Ardour did not save; windows: {xs.windows()}")
        root = ET.parse(self.session_file).getroot()
        return [Source(s.get("name", ""), s.get("origin", ""))
                for s in root.iterfind("./Sources/Source")]  # fmt: skip

    def confirm(self, added: list[Source], dropped: list[str]) -> str:
        """For each dropped file at the session's rate (Ardour copies it unconverted): its
        session copy holds the very samples of the file dropped (so a 96 kHz original that
        Ardour resampled itself would not pass for a 48 kHz transferred copy)."""
        audio = self.session_dir / "interchange" / SESSION / "audiofiles"
        same = []
        for path in dropped:
            data, rate = sf.read(path, dtype="float32", always_2d=True)
            if rate != 48000:
                continue
            mine = sorted((s for s in added if s.matches(os.path.basename(path))),
                          key=lambda s: s.name)  # fmt: skip
            copies = [sf.read(str(audio / s.name), dtype="float32")[0] for s in mine]
            if len(copies) != data.shape[1] or any(
                c.shape[0] != data.shape[0] or np.abs(c - data[:, i]).max() > 1e-6
                for i, c in enumerate(copies)
            ):
                raise AssertionError(f"Ardour's copy of {os.path.basename(path)} differs from it")
            same.append(os.path.basename(path))
        return f"session copies sample-identical to {', '.join(same)}" if same else ""

    def show_all(self) -> None:
        """Every track is in view already: the editor's default height holds them."""

    @staticmethod
    def describe(sources: list[Source]) -> str:
        return ", ".join(sorted({s.name for s in sources})) or "(none)"
