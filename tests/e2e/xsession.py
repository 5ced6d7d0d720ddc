"""The X side of the end-to-end drag check: a private Xvfb, the processes started on it (each in
its own process group, all killed on exit, also on Ctrl-C or failure), and xdotool input.

No window manager runs: windows sit where they ask to be, keyboard focus is set explicitly
(`xdotool windowfocus`), and a drag is a press, a few small moves and a release, as a hand
makes it, so the XDND exchange between the apps is the real one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

T0 = time.monotonic()
SCREEN = (2400, 1400)  # SoundSeek on the left, the two DAWs stacked on the right


@dataclass(frozen=True)
class Rect:
    """A window or widget in screen pixels."""

    x: int
    y: int
    w: int
    h: int

    def at(self, fx: float, fy: float) -> tuple[int, int]:
        """The point at fractions (fx, fy) of the width and height."""
        return self.x + int(self.w * fx), self.y + int(self.h * fy)

    @property
    def centre(self) -> tuple[int, int]:
        return self.at(0.5, 0.5)


class Processes:
    """Every child started here, each the leader of its own process group."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None):
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (the child keeps it)
        proc = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append((name, proc))
        return proc

    def stop(self, name: str) -> None:
        for child_name, proc in list(self.children):
            if child_name == name:
                _kill_group(proc)
                self.children.remove((child_name, proc))

    def stop_all(self) -> None:
        for _name, proc in reversed(self.children):
            _kill_group(proc)
        self.children.clear()


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the child's group, SIGKILL to what is left after 3 s."""
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def start_xvfb(procs: Processes) -> str:
    """A free display number, an Xvfb on it, ready when xdpyinfo answers."""
    for n in range(71, 99):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            break
    else:
        raise RuntimeError("no free X display between :71 and :98")
    display = f":{n}"
    w, h = SCREEN
    procs.start("xvfb", ["Xvfb", display, "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp"])
    env = dict(os.environ, DISPLAY=display)
    until(lambda: subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode == 0,
          10, "Xvfb did not start")  # fmt: skip
    os.environ["DISPLAY"] = display
    return display


def until(cond, timeout: float, what: str, step: float = 0.1):
    """Poll `cond` until it returns something true; raise TimeoutError(what) after `timeout`."""
    end = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(what)
        time.sleep(step)


def log(message: str) -> None:
    """A progress line on stderr, with seconds since the run began."""
    print(f"  [{time.monotonic() - T0:6.1f} s] {message}", file=sys.stderr, flush=True)


def windows() -> str:
    """The named top-level windows now on screen (what a failure message shows)."""
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True)
    named = [ln.strip() for ln in tree.stdout.splitlines() if '"' in ln and "has no name" not in ln]
    return "; ".join(named[1:])


def xdo(*args: str) -> str:
    out = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def find_window(name_regex: str, timeout: float = 30.0, largest: bool = False) -> int:
    """The newest (or the largest) visible window whose title matches; xdotool matches
    without regard to case."""

    def search() -> int | None:
        found = [int(w) for w in xdo("search", "--onlyvisible", "--name", name_regex).split()]
        if largest and found:
            return max(found, key=lambda w: (lambda r: r.w * r.h)(geometry(w)))
        return found[-1] if found else None

    return until(search, timeout, f"no window named {name_regex!r}", 0.25)


def place(window: int, rect: Rect) -> None:
    xdo("windowmove", "--sync", str(window), str(rect.x), str(rect.y))
    xdo("windowsize", "--sync", str(window), str(rect.w), str(rect.h))


def geometry(window: int) -> Rect:
    out = subprocess.run(["xwininfo", "-id", str(window)], capture_output=True, text=True).stdout
    fields = dict(line.strip().split(":", 1) for line in out.splitlines() if ":" in line)
    get = lambda k: int(fields[k].strip())  # noqa: E731
    return Rect(get("Absolute upper-left X"), get("Absolute upper-left Y"), get("Width"),
                get("Height"))  # fmt: skip


def focus(window: int) -> None:
    xdo("windowfocus", "--sync", str(window))


def move(x: int, y: int) -> None:
    """Put the pointer at (x, y); `--sync` waits for a motion, so none when it is there."""
    here = dict(kv.split("=") for kv in xdo("getmouselocation", "--shell").split())
    if (int(here["X"]), int(here["Y"])) != (x, y):
        xdo("mousemove", "--sync", str(x), str(y))


def click(x: int, y: int, modifier: str | None = None) -> None:
    move(x, y)
    if modifier:
        xdo("keydown", modifier)
    xdo("click", "1")
    if modifier:
        xdo("keyup", modifier)
    time.sleep(0.15)


def drag(start: tuple[int, int], end: tuple[int, int], steps: int = 10, pause: float = 0.08):
    """Press at start, move in small steps (the first few short, so the source sees a drag
    start), hover, release at end."""
    (x0, y0), (x1, y1) = start, end
    move(x0, y0)
    time.sleep(0.1)
    xdo("mousedown", "1")
    time.sleep(0.15)
    for dx in (4, 8, 16):
        xdo("mousemove", str(x0 + dx), str(y0 + dx // 2))
        time.sleep(pause)
    for i in range(1, steps + 1):
        xdo("mousemove", str(x0 + (x1 - x0) * i // steps), str(y0 + (y1 - y0) * i // steps))
        time.sleep(pause)
    time.sleep(0.4)  # the target answers XdndPosition before the drop
    xdo("mouseup", "1")
    time.sleep(0.3)


def screenshot(target: Path, window: int | None = None) -> Path:
    """The whole screen, or one window, as a PNG."""
    which = str(window) if window else "root"
    subprocess.run(["import", "-window", which, str(target)], check=True, timeout=30)
    return target
