"""The print index at library scale: disk, memory and time per new file as it grows.

  PYTHONPATH=$PWD .venv/bin/python -m benchmarks.bench_dupes_scale --real /tmp/realx --files 200000

Real prints of `--sample` recordings give the shape of a library's prints (hashes per file,
which hashes are common); generated files draw their hash counts and hashes from them (with
random anchor frames), and are added one at a time through the product's path
(index.prints.PrintIndex.add, one transaction each), as an index run adds them. At each
checkpoint: the file's size, this process's resident memory, the time to add a file, and the
time of a candidate query (copies.matching.candidates) for real prints held out of the sample.
Writes bench-out/dupes_scale.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_dupe_methods import AUDIO_EXT
from soundseek.audio.decode import iter_windows
from soundseek.audio.soundprint import PrintBuilder, SoundPrint
from soundseek.copies.matching import candidates
from soundseek.index.prints.printindex import PrintIndex


def real_prints(root: str, n: int, seed: int) -> list[SoundPrint]:
    files = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in AUDIO_EXT)
    random.Random(seed).shuffle(files)
    out = []
    for path in files:
        if len(out) >= n:
            break
        b = PrintBuilder()
        try:
            for _ in iter_windows(str(path), None, b):
                pass
        except Exception:  # a benchmark sample: what does not decode is skipped
            continue
        p = b.finish()
        if len(p.hashes):
            out.append(p)
    return out


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory; RssAnon leaves out the index file's pages the OS maps in (the page
    cache's, given back under pressure)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class Generator:
    """Files with real prints' hash counts and hash frequencies."""

    def __init__(self, prints: list[SoundPrint], seed: int) -> None:
        pool = np.concatenate([p.hashes[:, 0] for p in prints])
        self.values, counts = np.unique(pool, return_counts=True)
        self.weights = counts / counts.sum()
        self.shapes = [(len(p.hashes), p.duration, p.stride) for p in prints]
        self.rng = np.random.default_rng(seed)

    def one(self) -> tuple[float, np.ndarray, int]:
        n, duration, stride = self.shapes[self.rng.integers(len(self.shapes))]
        h = self.rng.choice(self.values, n, p=self.weights)
        t = self.rng.integers(0, max(1, int(duration * 12000 / 128)), n)
        return duration, np.stack([h, t], axis=1), stride


ADDS_PER_CHECK = 200


def bulk_load(index: PrintIndex, gen: Generator, n: int, upto: int) -> int:
    """Fill to `upto` files quickly (many files per transaction, rows sorted): the same rows
    an index run writes one file at a time."""
    con = index._con  # a benchmark's shortcut past the one-file-per-transaction path
    while n < upto:
        batch = min(500, upto - n)
        rows = []
        with con:
            for _ in range(batch):
                n += 1
                duration, hashes, stride = gen.one()
                cur = con.execute("INSERT INTO items(content, duration, hashes, stride) "
                                  "VALUES (?,?,?,?)", (f"g{n:08d}", duration, len(hashes), stride))
                item = cur.lastrowid
                rows += [(int(h), item, int(t)) for h, t in np.unique(hashes, axis=0)]
            rows.sort()
            con.executemany("INSERT OR IGNORE INTO postings VALUES (?,?,?)", rows)
    return n


def checkpoint(index: PrintIndex, path: Path, queries: list[SoundPrint], n: int,
               add_times: list[float]) -> dict:  # fmt: skip
    t0 = time.perf_counter()
    for q in queries:
        candidates(index, q)
    query_ms = (time.perf_counter() - t0) / len(queries) * 1000
    size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
    row = {"files": n, "db_mb": size / 1e6, "bytes_per_file": size / n,
           "rss_mb": rss_mb(), "anon_rss_mb": rss_mb("RssAnon"), "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "add_ms_median": float(np.median(add_times) * 1000),
           "add_ms_p95": float(np.percentile(add_times, 95) * 1000),
           "query_ms_mean": query_ms}  # fmt: skip
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", default="/tmp/realx")
    ap.add_argument("--sample", type=int, default=400)
    ap.add_argument("--files", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--dir", default="", help="where the index goes (default: a temp folder)")
    ap.add_argument("--out", default="bench-out/dupes_scale.json")
    args = ap.parse_args()
    prints = real_prints(args.real, args.sample + 50, args.seed)
    sample, queries = prints[: args.sample], prints[args.sample :]
    gen = Generator(sample, args.seed)
    marks = sorted({m for m in (1_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
                    if m <= args.files} | {args.files})  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir or None) as tmp:
        path = Path(tmp) / "prints.sqlite"
        index = PrintIndex(path, writable=True)
        n = 0
        for mark in marks:
            n = bulk_load(index, gen, n, mark - ADDS_PER_CHECK)
            add_times = []
            for _ in range(ADDS_PER_CHECK):  # the product's path: one file, one transaction
                n += 1
                duration, hashes, stride = gen.one()
                t0 = time.perf_counter()
                index.add(f"g{n:08d}", duration, hashes, stride, [])
                add_times.append(time.perf_counter() - t0)
            rows.append(checkpoint(index, path, queries, n, add_times))
        index.close()
    mean_hashes = float(np.mean([s[0] for s in gen.shapes]))
    out = {"checkpoints": rows, "real_sample": len(sample), "mean_hashes_per_file": mean_hashes,
           "mean_duration_s": float(np.mean([s[1] for s in gen.shapes]))}  # fmt: skip
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
