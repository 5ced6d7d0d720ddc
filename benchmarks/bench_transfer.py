"""Transfers measured the way a sound designer feels them, against the simple way, in one run.

  .venv/bin/python -m benchmarks.bench_transfer [--files 40] [--seconds 10] [--rounds 3]
                                                [--real /path/to/sounds --real-limit 1000]

1. Throughput: 96 kHz / 24-bit stereo WAVs to 48 kHz / 24 with metadata (the Pro Tools
   preset) through the engine, against a bare soxr (VHQ) + soundfile conversion of the same
   files; rounds interleaved, median files/s and their ratio (issue 22's target: >= 0.7x).
2. Drag: the time from the gesture to the drag starting (the lazy MIME data being made), and
   the time a drop waits for a region that was not rendered ahead (p50/p95 over 30 regions
   of a 60 s 96 kHz file); with render-ahead the drop waits for nothing.
3. Real recordings: every file under --real (up to --real-limit) transferred with the Pro
   Tools preset; failures by reason ("refused formats": files no decoder reads).

Results go to bench-out/transfer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from soundseek.files.scanner import is_audio
from soundseek.metadata.fields import MetadataChange
from soundseek.transfer.engine import TransferRequest, transfer
from soundseek.transfer.options import Region
from soundseek.transfer.presets import options_for

OUT = Path("bench-out/transfer.json")
CHANGE = MetadataChange(description="Heavy metal door slams shut", catid="DOORMetl",
                        fx_name="Door Slam Heavy", keywords="door, slam, metal")  # fmt: skip


def make_sources(folder: Path, count: int, seconds: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    out = []
    for n in range(count):
        path = folder / f"DOORMetl_Slam {n:03d}_96k.wav"
        audio = (rng.standard_normal((int(96_000 * seconds), 2)) * 0.2).astype(np.float32)
        sf.write(str(path), audio, 96_000, subtype="PCM_24")
        out.append(path)
    return out


def engine_pass(sources: list[Path], dest: Path) -> float:
    options = options_for("protools")
    start = time.perf_counter()
    for src in sources:
        transfer(TransferRequest(str(src), options, change=CHANGE), dest)
    return time.perf_counter() - start


def bare_pass(sources: list[Path], dest: Path) -> float:
    """The simple way: read, soxr VHQ, write 24-bit; no dither, metadata, checks or renames."""
    dest.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for src in sources:
        data, rate = sf.read(str(src), dtype="float32")
        out = soxr.resample(data, rate, 48_000, "VHQ")
        sf.write(str(dest / src.name), out, 48_000, subtype="PCM_24")
    return time.perf_counter() - start


def throughput(work: Path, count: int, seconds: float, rounds: int) -> dict:
    sources = make_sources(work / "src", count, seconds)
    engine, bare = [], []
    for r in range(rounds):
        for name, run, into in (("engine", engine_pass, engine), ("bare", bare_pass, bare)):
            dest = work / f"{name}{r}"
            into.append(count / run(sources, dest))
            shutil.rmtree(dest)
    e, b = statistics.median(engine), statistics.median(bare)
    return {"files": count, "seconds_each": seconds, "rounds": rounds,
            "engine_files_per_s": round(e, 2), "bare_files_per_s": round(b, 2),
            "ratio": round(e / b, 3), "engine_runs": [round(x, 2) for x in engine],
            "bare_runs": [round(x, 2) for x in bare]}  # fmt: skip


def drag_timings(work: Path) -> dict:
    """Drag start: building the lazy MIME data (what the window does on the gesture). Drop
    wait: rendering a region that was not rendered ahead."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from soundseek.ui.drag_handle import FileDragMime

    QApplication.instance() or QApplication([])
    (long,) = make_sources(work / "long", 1, 60.0)
    options = options_for("protools")
    starts, waits = [], []
    for n in range(30):
        region = Region(1.0 + n * 1.7, 3.0 + n * 1.7)
        request = TransferRequest(str(long), options, region, CHANGE)
        t0 = time.perf_counter()
        mime = FileDragMime(lambda r=request: list(transfer(r, work / "regions").outputs))
        starts.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        mime.urls()
        waits.append(time.perf_counter() - t1)
    return {"drag_start_ms": _pcts(starts), "drop_wait_not_rendered_ahead_ms": _pcts(waits)}


def _pcts(values: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values)
    return {"p50": round(ms[len(ms) // 2], 2), "p95": round(ms[int(len(ms) * 0.95) - 1], 2),
            "max": round(ms[-1], 2)}  # fmt: skip


def real_files(library: Path, limit: int, work: Path) -> dict:
    files = [p for p in sorted(library.rglob("*")) if p.is_file() and is_audio(p.name)][:limit]
    options = options_for("protools")
    reasons: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    ok = 0
    start = time.perf_counter()
    for path in files:
        try:
            transfer(TransferRequest(str(path), options), work / "real")
            ok += 1
        except Exception as exc:  # counted by kind: the benchmark reports, never stops
            text = str(exc)
            (refused if "not a readable audio file" in text else reasons)[
                text.split(": ", 1)[-1][:80]] += 1  # fmt: skip
    return {
        "files": len(files),
        "transferred": ok,
        "refused_formats": dict(refused),
        "other_failures": dict(reasons),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--real", type=Path)
    ap.add_argument("--real-limit", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp:
        work = Path(tmp)
        result = {"throughput": throughput(work, args.files, args.seconds, args.rounds),
                  "drag": drag_timings(work)}  # fmt: skip
        if args.real:
            result["real"] = real_files(args.real, args.real_limit, work)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
