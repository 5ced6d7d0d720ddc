"""A million-file library, metadata only: files/s, peak memory, time to the first searchable
file name, an unchanged rescan, and a kill in the middle followed by a resume.

  .venv/bin/python -m benchmarks.bench_scale --files 1000000 --tree /tmp/tree1m

The tree (1,000 files a folder, UCS-style names, 5 ms WAVs written as raw bytes) is generated
once and reused. Each measurement runs in a fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CATIDS = ["DOORWood", "GLASBrk", "FOLYFeet", "WTHR", "RAIN", "WIND", "VEHCar", "FIREBrst"]
WORDS = ["creak", "slam", "knock", "break", "steps", "gust", "idle", "pass", "crackle", "hit"]


def wav_bytes(i: int, frames: int = 240) -> bytes:
    data = struct.pack(f"<{frames}h", *((i * 7919 + k * 31) % 2000 - 1000 for k in range(frames)))
    fmt = struct.pack("<HHIIHH", 1, 1, 48_000, 96_000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data"
    body += struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def generate(tree: Path, files: int) -> None:
    marker = tree / f".complete-{files}"
    if marker.exists():
        return
    for i in range(files):
        folder = tree / f"Library {i // 100_000:02d}" / f"Pack {i // 1000:04d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        name = (
            f"{CATIDS[i % 8]}_{WORDS[i % 10].title()} {WORDS[(i // 10) % 10]} {i:07d}_BS_SCALE.wav"
        )
        (folder / name).write_bytes(wav_bytes(i))
    marker.touch()


CHILD = """  # noqa: E501
import json, os, resource, sys, time
from soundseek.app import App
from soundseek.paths import app_paths
app = App.open(app_paths(sys.argv[1]))
if not app.roots.all():
    app.roots.add_root(sys.argv[2])
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter(); first = None; last = None; read = 0; peaks = {}
for p in app.index(embed=False):
    if last is not None and p.phase != last.phase:
        peaks[last.phase] = rss()
    last = p
    if p.phase == "metadata":
        read = max(read, p.files_done)
    if first is None and p.phase == "metadata" and p.files_done:
        first = time.perf_counter() - t
        print(json.dumps({"first_searchable_s": first}), flush=True)
seconds = time.perf_counter() - t
peaks["index"] = rss()
status = app.status()
peaks["status"] = rss()
own, kids = (resource.getrusage(w).ru_maxrss / 1024
             for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
hits = app.search("creak " + sys.argv[3], limit=5).hits
peaks["search"] = rss()
print(json.dumps({"seconds": seconds, "files": status.files, "files_per_s": status.files / seconds,
                  "first_searchable_s": first, "found": len(hits), "phase": last.phase,
                  "read": read, "peak_rss_mb": own, "workers_peak_rss_mb": kids,
                  "peak_rss_mb_after": peaks}))
"""


def run(home: Path, tree: Path, kill_after: float | None = None) -> dict:
    cmd = [sys.executable, "-c", CHILD, str(home), str(tree), "0000123"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return {"killed_after_s": kill_after}
    out = proc.communicate()[0].strip().splitlines()
    return json.loads(out[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--tree", type=Path, default=Path(tempfile.gettempdir()) / "soundseek-tree")
    ap.add_argument("--kill-after", type=float, help="seconds (default: half the first run)")
    args = ap.parse_args()
    t = time.perf_counter()
    generate(args.tree, args.files)
    result: dict = {"files": args.files, "generate_s": time.perf_counter() - t,
                    "cores": os.cpu_count()}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        result["first_run"] = run(home / "a", args.tree)
        print(json.dumps(result), flush=True)
        result["unchanged_rescan"] = run(home / "a", args.tree)
        print(json.dumps(result["unchanged_rescan"]), flush=True)
        kill_after = args.kill_after or result["first_run"]["seconds"] / 2
        result["killed"] = run(home / "b", args.tree, kill_after=kill_after)
        result["resumed_after_kill"] = run(home / "b", args.tree)
        print(json.dumps(result["resumed_after_kill"]), flush=True)
    print(json.dumps(result, indent=2))
    Path("bench-out").mkdir(exist_ok=True)
    Path("bench-out/scale.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
