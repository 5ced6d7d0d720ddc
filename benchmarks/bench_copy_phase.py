"""The index run's copy step (copies.finding: match and add every new print) before and after
it was batched, on real recordings, in the same run.

  OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python -m benchmarks.bench_copy_phase \\
      --real /tmp/real300 [--repeats 5] [--cache /tmp/copy_phase_prints.pkl]

Prints every real file once, the way the decoder's pass does (audio.decode.iter_windows with a
PrintBuilder), and keeps the prints in memory (`--cache` keeps them in a file for the next
run). Then, alternating, each way fills a fresh print index (SQLite in a temp folder) from
them, in batches of 256 as `PrintStore.unmatched` hands them out:

- before: each content queried against the index (a query per distinct hash) and added in its
  own transaction (the code of b44c430, kept here),
- after: `copies.finding.add_prints` (a `PrintIndex.session`: the run's own postings searched
  in memory, a batch written in one transaction).

Three cases: a fresh library (every file new), an incremental run (the last `--new` files
added to an index that holds the rest), and a fresh library of `--copies` real originals with
their transformed copies (bench_dupes' families: relations to find). Both ways must leave the
same index, every repeat: items, postings and relations (levels, offsets, scores), row for
row. Reported: CPU seconds (process time) of the step, median of `--repeats`, and the ratio.
Writes bench-out/copy_phase.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_dupe_methods import AUDIO_EXT
from benchmarks.bench_dupes import prepare
from soundseek.audio.decode import iter_windows
from soundseek.audio.soundprint import PrintBuilder, SoundPrint
from soundseek.copies.finding import add_prints
from soundseek.copies.matching import find_relations
from soundseek.index.prints.printindex import COMMON, PrintIndex
from soundseek.index.tables.querying import chunks
from tests.copies.printrows import table_rows

BATCH = 256  # PrintStore.unmatched's


class Before(PrintIndex):
    """The print index's query and add as they were before the copy step was batched."""

    def add(self, content, duration, hashes, stride, relations) -> None:
        with self._lock, self._con:
            cur = self._con.execute(
                "INSERT OR IGNORE INTO items(content, duration, hashes, stride) VALUES (?,?,?,?)",
                (content, float(duration), len(hashes), int(stride)),
            )
            if not cur.rowcount:
                return
            item = cur.lastrowid
            rows = np.unique(hashes, axis=0) if len(hashes) else hashes
            self._con.executemany(
                "INSERT OR IGNORE INTO postings VALUES (?, ?, ?)",
                ((int(h), item, int(t)) for h, t in rows),
            )
            self._put_relations(relations)

    def candidates(self, hashes, top=12, min_agree=5):
        if not len(hashes):
            return []
        query = np.unique(hashes, axis=0)
        found_h, found_i, found_t = [], [], []
        sql = "SELECT item, frame FROM postings WHERE hash = ? LIMIT ?"
        with self._lock:
            for key in np.unique(query[:, 0]).tolist():
                rows = self._con.execute(sql, (key, COMMON + 1)).fetchall()
                if rows and len(rows) <= COMMON:
                    a = np.asarray(rows, np.int64)
                    found_h.append(np.full(len(a), key, np.int64))
                    found_i.append(a[:, 0]), found_t.append(a[:, 1])
        if not found_h:
            return []
        h, item, t = (np.concatenate(x) for x in (found_h, found_i, found_t))
        order = np.argsort(query[:, 0], kind="stable")
        qh, qt = query[order, 0], query[order, 1]
        lo, hi = np.searchsorted(qh, h, "left"), np.searchsorted(qh, h, "right")
        n = hi - lo
        rep = np.repeat(np.arange(len(h)), n)
        qi = np.repeat(lo - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(n.sum())
        best = old_offset_votes(item[rep], t[rep] - qt[qi], min_agree)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:top]
        items = self.items(i for i, _ in ranked)
        return [(items[i], c, off) for i, (c, off) in ranked if i in items]


def old_offset_votes(items: np.ndarray, offsets: np.ndarray, min_agree: int = 1) -> dict:
    key, count = np.unique(items * (1 << 22) + offsets + (1 << 20), return_counts=True)
    smooth = count.copy()
    for d in (-1, 1):
        at = np.searchsorted(key, key + d).clip(0, len(key) - 1)
        smooth += np.where(key[at] == key + d, count[at], 0)
    best: dict[int, tuple[int, int]] = {}
    for k, c in zip(key.tolist(), smooth.tolist(), strict=True):
        i = k >> 22
        if c >= min_agree and c > best.get(i, (0, 0))[0]:
            best[i] = (c, (k & ((1 << 22) - 1)) - (1 << 20))
    return best


def before(index: PrintIndex, batches: list[dict[str, bytes]], paths: dict) -> None:
    """The copy step as it was: a query and a transaction per content."""
    for batch in batches:
        for content, blob in batch.items():
            p = SoundPrint.from_bytes(blob)
            if p is None:
                continue
            relations = find_relations(content, p, index, paths.get)
            index.add(content, p.duration, p.hashes, p.stride, relations)


def after(index: PrintIndex, batches: list[dict[str, bytes]], paths: dict) -> None:
    """The copy step now (copies.finding.add_prints)."""
    for _ in add_prints(index, batches, paths.get):
        pass


def printed(files: dict[str, str]) -> dict[str, bytes]:
    """{content: print bytes} for each decodable file of {content: path}."""
    blobs = {}
    for content, path in files.items():
        builder = PrintBuilder()
        try:
            for _ in iter_windows(path, None, builder):
                pass
        except Exception as exc:  # an unreadable file is left out, as indexing leaves it
            print(f"  skipped {path}: {exc}")
            continue
        blobs[content] = builder.finish().to_bytes()
    return blobs


def real_prints(real: str, cache: str | None) -> tuple[dict[str, bytes], dict[str, str]]:
    """{content: print bytes} and {content: path} for every decodable file under `real`."""
    if cache and Path(cache).exists():
        return pickle.loads(Path(cache).read_bytes())
    files = sorted(p for p in Path(real).rglob("*") if p.suffix.lower() in AUDIO_EXT)
    paths = {hashlib.sha256(str(f).encode()).hexdigest()[:32]: str(f) for f in files}
    blobs = printed(paths)
    paths = {c: paths[c] for c in blobs}
    if cache:
        Path(cache).write_bytes(pickle.dumps((blobs, paths)))
    return blobs, paths


def copies(real: str, originals: int, tmp: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Originals and their transformed copies (benchmarks/bench_dupes.py's families)."""
    args = argparse.Namespace(real=real, limit=originals, max_seconds=30.0, seed=23)
    (tmp / "families").mkdir()
    items = prepare(args, tmp / "families")
    paths = {it["id"]: it["path"] for it in items}
    blobs = printed(paths)
    return blobs, {c: paths[c] for c in blobs}


def batched(blobs: dict[str, bytes], contents: list[str]) -> list[dict[str, bytes]]:
    return [{c: blobs[c] for c in part} for part in chunks(sorted(contents), BATCH)]


def one(way: str, blobs, paths, old: list[str], new: list[str], tmp: Path, n: int) -> tuple:
    """(CPU seconds of the step, the index's rows)."""
    path = tmp / f"{way}{n}.sqlite"
    cls = Before if way == "before" else PrintIndex
    index = cls(path, writable=True)
    run = before if way == "before" else after
    if old:  # the index as the earlier runs left it (the same way both times)
        before(index, batched(blobs, old), paths)
    t0 = time.process_time()
    run(index, batched(blobs, new), paths)
    cpu = time.process_time() - t0
    rows = table_rows(index)
    index.close()
    for f in tmp.glob(f"{way}{n}.sqlite*"):
        f.unlink()
    return cpu, rows


def measure(blobs, paths, old: list[str], new: list[str], tmp: Path, repeats: int) -> dict:
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    rows: list[tuple] = []
    for n in range(repeats):
        for way in ("before", "after") if n % 2 == 0 else ("after", "before"):
            s, r = one(way, blobs, paths, old, new, tmp, n)
            cpu[way].append(s)
            rows.append(r)
    med = {w: statistics.median(v) for w, v in cpu.items()}
    return {"new_files": len(new), "stored_files": len(old), "relations": len(rows[0][2]),
            "postings": len(rows[0][1]), "same_result": all(r == rows[0] for r in rows),
            "cpu_s": cpu, "median_s": med, "speedup": med["before"] / med["after"]}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", default="/tmp/real300")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--new", type=int, default=30, help="files new to the incremental run")
    ap.add_argument("--copies", type=int, default=10, help="originals with copies (0: none)")
    ap.add_argument("--cache", default=None, help="keep the real files' prints in this file")
    ap.add_argument("--out", default="bench-out/copy_phase.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    blobs, paths = real_prints(args.real, args.cache)
    print(f"{len(blobs)} prints in {time.perf_counter() - t0:.1f} s")
    contents = sorted(blobs)
    result: dict = {"files": len(blobs), "repeats": args.repeats, "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "fresh": (blobs, paths, [], contents),
            "incremental": (blobs, paths, contents[: -args.new], contents[-args.new :]),
        }
        if args.copies:
            cb, cp = copies(args.real, args.copies, Path(tmp))
            cases["copies"] = (cb, cp, [], sorted(cb))
        for case, (b, p, old, new) in cases.items():
            r = result["cases"][case] = measure(b, p, old, new, Path(tmp), args.repeats)
            med = r["median_s"]
            print(f"{case}: {len(new)} new on {len(old)}: before {med['before']:.3f} s, after "
                  f"{med['after']:.3f} s CPU (x{r['speedup']:.2f}); {r['relations']} relations, "
                  f"{r['postings']} postings, same: {r['same_result']}")  # fmt: skip
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
