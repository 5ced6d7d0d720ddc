"""Audacity 3 as a drop target: a fresh config per run (no welcome dialog, no crash recovery of
an earlier killed run), mod-script-pipe enabled, and its tracks asked for over that pipe.

Audacity loads a module only when its path, status 1 (enabled) and the module file's
modification time (local time, ISO) are all in audacity.cfg; a module it has not seen is
left disabled.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.e2e import xsession as xs

MODULE = Path("/usr/lib/audacity/modules/mod-script-pipe.so")
TO_PIPE = Path(f"/tmp/audacity_script_pipe.to.{os.getuid()}")
FROM_PIPE = Path(f"/tmp/audacity_script_pipe.from.{os.getuid()}")


def config_text(temp: Path) -> str:
    stamp = datetime.fromtimestamp(int(MODULE.stat().st_mtime)).strftime("%Y-%m-%dT%H:%M:%S")
    return (
        "PrefsVersion=1.1.1r1\n[GUI]\nShowSplashScreen=0\n[Version]\nMajor=3\nMinor=2\n"
        f"[Directories]\nTempDir={temp}\n"
        f"[Module]\nmod-script-pipe=1\n[ModulePath]\nmod-script-pipe={MODULE}\n"
        f"[ModuleDateTime]\nmod-script-pipe={stamp}\n"
    )


@dataclass(frozen=True)
class Track:
    name: str
    kind: str
    channels: int
    end: float

    def matches(self, filename: str) -> bool:
        """Audacity names an imported track after the file's stem."""
        return self.name == Path(filename).stem


class ScriptPipe:
    """mod-script-pipe's two FIFOs: a command line out, lines back up to "BatchCommand
    finished". Audacity opens its reading end first, then its writing end, and starts over
    (new FIFOs) when the client closes; keep one ScriptPipe per Audacity.

    Seen here (Linux 6.18, ext4 /tmp): Audacity's thread sits in its open() of the command
    FIFO, yet no writer can pair with it, blocking or not, until that open() is restarted; a
    SIGSTOP/SIGCONT of Audacity restarts it (a debugger's attach did the same). So the
    command end is opened non-blocking and, while Audacity is not reading, Audacity is nudged
    so; the answer end then opens (blocking) under a time limit."""

    def __init__(self, pid: int, timeout: float = 20.0) -> None:
        def writable() -> int | None:
            fd = _open_for_writing()
            if fd is None:
                os.kill(pid, signal.SIGSTOP)
                time.sleep(0.05)
                os.kill(pid, signal.SIGCONT)
            return fd

        fd = xs.until(writable, timeout, "Audacity does not read its script pipe", 0.5)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        self.to = os.fdopen(fd, "w", encoding="utf-8")
        opened: dict = {}
        t = threading.Thread(target=lambda: opened.update(back=open(FROM_PIPE, encoding="utf-8")),  # noqa: SIM115
                             daemon=True)  # fmt: skip
        t.start()
        t.join(timeout)
        if "back" not in opened:
            raise TimeoutError("Audacity did not open its script pipe's answer end")
        self.back = opened["back"]

    def ask(self, command: str) -> str:
        self.to.write(command + "\n")
        self.to.flush()
        lines = []
        while not (line := self.back.readline()).startswith("BatchCommand finished"):
            if not line:
                raise ConnectionError("Audacity closed its script pipe")
            lines.append(line)
        self.back.readline()  # the empty line after the status
        if "OK" not in line:
            raise RuntimeError(f"Audacity: {command} -> {line.strip()}")
        return "".join(lines)


def _open_for_writing() -> int | None:
    """The command FIFO's writing end, or None while Audacity has no reader on it (ENXIO)."""
    try:
        return os.open(TO_PIPE, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return None


class Audacity:
    name = "Audacity"

    def __init__(self, root: Path, procs: xs.Processes) -> None:
        self.root = root / "audacity"
        self.procs = procs
        home = self.root / "home"
        self.env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                        XDG_DATA_HOME=str(home / ".local/share"),
                        XDG_CACHE_HOME=str(home / ".cache"))  # fmt: skip
        self.window = 0
        self.pipe: ScriptPipe | None = None
        self.pid = 0

    def start(self) -> None:
        config = self.root / "home" / ".config" / "audacity"
        config.mkdir(parents=True)
        temp = self.root / "temp"
        temp.mkdir()
        (config / "audacity.cfg").write_text(config_text(temp))
        for stale in (TO_PIPE, FROM_PIPE):  # an earlier run's, if it was killed
            stale.unlink(missing_ok=True)
        self.pid = self.procs.start("audacity", ["audacity"], self.env).pid

    def ready(self, rect: xs.Rect) -> None:
        self.window = xs.find_window("^Audacity$", 60, largest=True)
        xs.place(self.window, rect)
        xs.until(lambda: TO_PIPE.exists() and FROM_PIPE.exists(), 30,
                 "Audacity made no script pipe (mod-script-pipe not loaded)")  # fmt: skip
        self.pipe = ScriptPipe(self.pid)

    def drop_point(self) -> tuple[int, int]:
        """The empty track area under the toolbars."""
        return xs.geometry(self.window).at(0.5, 0.65)

    def imported(self) -> list[Track]:
        assert self.pipe is not None
        tracks = json.loads(self.pipe.ask("GetInfo: Type=Tracks Format=JSON"))
        return [Track(t.get("name", ""), t.get("kind", ""), int(t.get("channels", 1)),
                      float(t.get("end", 0.0))) for t in tracks]  # fmt: skip

    def confirm(self, added: list[Track], dropped: list[str]) -> str:
        """Nothing more to read: the pipe's track list has no sample rate."""
        return ""

    def show_all(self) -> None:
        """Every track in view for the screenshot (View > Track Size > Fit to Height)."""
        assert self.pipe is not None
        self.pipe.ask("FitV:")
        time.sleep(0.5)

    @staticmethod
    def describe(tracks: list[Track]) -> str:
        return ", ".join(f"{t.name} ({t.channels} ch, {t.end:.2f} s)" for t in tracks) or "(none)"
