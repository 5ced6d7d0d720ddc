"""Drags from the real SoundSeek window into real DAWs (Ardour 7, Audacity 3), proven by what
each DAW says it imported. Run by hand, not by pytest (see tests/e2e/README.md):

    PYTHONPATH=$PWD .venv/bin/python -m tests.e2e.daw_drop

It starts its own Xvfb (no window manager), a fresh Ardour session on the Dummy backend and a
fresh Audacity with mod-script-pipe, builds a small library and a SoundSeek home with the tiny
test model, opens the window, types a query, and makes each case's drag with xdotool. Proof:
Ardour's saved session XML lists the new <Sources>; Audacity's script pipe lists new tracks.
Exit status 0 only when every case passed; screenshots go to a folder it prints.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from tests.e2e import xsession as xs
from tests.e2e.ardour import Ardour
from tests.e2e.audacity import Audacity
from tests.e2e.cases import CASES, Case, Dropped, prepare
from tests.e2e.library import make_home
from tests.e2e.window import SoundSeekWindow

QUERY = "door"
SOUNDSEEK_AT = xs.Rect(0, 0, 1000, 1400)
DAWS_AT = (xs.Rect(1000, 0, 1400, 740), xs.Rect(1000, 750, 1400, 650))
PROOF_TIMEOUT = 25.0


@dataclass
class Outcome:
    daw: str
    case: str
    status: str  # PASS | FAIL
    proof: str
    seconds: float = 0.0


def _file_facts(path: str) -> str:
    info = sf.info(path)
    return f"{os.path.basename(path)} [{info.samplerate} Hz, {info.subtype}]"


def prove(daw, before: list, dropped: Dropped) -> tuple[bool, str]:
    """Poll the DAW until every dropped file is among what it added since `before`."""
    end = time.monotonic() + PROOF_TIMEOUT
    while True:
        added = list((Counter(daw.imported()) - Counter(before)).elements())
        missing = [n for n in dropped.names if not any(x.matches(n) for x in added)]
        if not missing or time.monotonic() > end:
            break
        time.sleep(1.0)
    what = "session lists new Sources" if isinstance(daw, Ardour) else "pipe lists new tracks"
    proof = f"{what}: {daw.describe(added)}"
    if missing:
        return False, f"{proof}; missing {', '.join(missing)}"
    extra = daw.confirm(added, dropped.paths)
    return True, f"{proof}; {extra}" if extra else proof


def run_case(win: SoundSeekWindow, daw, case: Case) -> Outcome:
    t0 = time.monotonic()
    label = f"({case.key}) {case.title}"
    try:
        before = daw.imported()
        xs.log(f"{daw.name} ({case.key}): {len(before)} before; dragging")
        dropped = case.run(win, daw.drop_point())
        xs.log(f"{daw.name} ({case.key}): dropped {', '.join(dropped.names)}; proving")
        ok, proof = prove(daw, before, dropped)
        proof += "; dropped " + ", ".join(_file_facts(p) for p in dropped.paths)
        proof += f"; {dropped.note}" if dropped.note else ""
        status = "PASS" if ok else "FAIL"
    except Exception as exc:
        status, proof = "FAIL", f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    return Outcome(daw.name, label, status, proof, time.monotonic() - t0)


def scenario(win: SoundSeekWindow, daws, shots: Path, outcomes: list[Outcome]) -> None:
    """The scenario thread: place the DAWs, search, run every case into every DAW."""
    try:
        for daw, rect in zip(daws, DAWS_AT, strict=True):
            daw.ready(rect)
        xs.log("DAWs placed")
        win.wait_indexed()
        xs.log("library indexed")
        prepare(win, QUERY)
        xs.log(f"results for {QUERY!r} sorted by name")
        for daw in daws:
            for case in CASES:
                outcomes.append(run_case(win, daw, case))
                print(f"  {daw.name} {outcomes[-1].case}: {outcomes[-1].status}", flush=True)
            daw.show_all()
            xs.screenshot(shots / f"{daw.name.lower()}.png", daw.window)
        xs.screenshot(shots / "screen.png")
    except Exception as exc:
        traceback.print_exc()
        outcomes.append(Outcome("setup", "-", "FAIL", f"{type(exc).__name__}: {exc}"))
    finally:
        win.call(lambda: (win.win.close(), win.qapp.quit()))


def summary(outcomes: list[Outcome], shots: Path, seconds: float) -> int:
    print("\n== SoundSeek drags into real DAWs ==")
    for o in outcomes:
        print(f"{o.status:4}  {o.daw:8} {o.case:38} {o.seconds:5.1f} s  {o.proof}")
    failed = [o for o in outcomes if o.status != "PASS"]
    print(f"screenshots: {shots}")
    print(f"{len(outcomes) - len(failed)}/{len(outcomes)} passed in {seconds:.0f} s")
    return 1 if failed or not outcomes else 0


def run(root: Path, procs: xs.Processes) -> int:
    t0 = time.monotonic()
    shots = root / "screenshots"
    shots.mkdir()
    print(f"work folder: {root}", flush=True)
    xs.start_xvfb(procs)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    daws = [Ardour(root, procs), Audacity(root, procs)]
    for daw in daws:
        daw.start()  # they come up while the library is built and indexed
    ss, library = make_home(root / "home")
    win = SoundSeekWindow(ss, library)
    win.show(SOUNDSEEK_AT)
    outcomes: list[Outcome] = []

    def interrupted(sig: int, _frame) -> None:
        outcomes.append(Outcome("run", "-", "FAIL", f"interrupted ({signal.Signals(sig).name})"))
        win.qapp.quit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, interrupted)
    threading.Thread(target=scenario, args=(win, daws, shots, outcomes), daemon=True).start()
    win.qapp.exec()
    return summary(list(outcomes), shots, time.monotonic() - t0)


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="soundseek-e2e-"))
    procs = xs.Processes(root)
    try:
        return run(root, procs)
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
