"""Copies found by the product's own path: precision, recall per transform, region offsets, cost.

  PYTHONPATH=$PWD .venv/bin/python -m benchmarks.bench_dupes --real /tmp/realx --limit 300

Takes a random sample of real recordings (undecodable or silent files skipped; originals cut to
`--max-seconds`), writes transformed copies of each (benchmarks/dupe_copies.py: 44.1k/96k,
16/24-bit, MP3, Ogg Vorbis, FLAC, +-6 dB, 50/200/500 ms trims at either end, 300 ms padding,
mono fold, a 2 s region of files over 6 s), then adds every file, in a shuffled order, the way
an index run does: the print made in the decoder's pass (audio.decode.iter_windows with a
PrintBuilder), matched against the print index (copies.matching.find_relations, the audio
check included) and added to it (index.prints.PrintIndex.session, SQLite in a temp folder,
written BATCH files at a time as copies.finding writes them).

Found: a copy is in its original's group (what the user sees; groups join relations); direct:
a relation joins the two. Precision: over every relation reported, the share within one family;
relations between two families whose originals hold the same samples (one package's file
copied into another) count as true. A region's offset must be within 50 ms. Cost: the print's
share of the decode pass, and the matching (query, audio check, insert) per file (a batch's
write counted on the file that ends it).
Writes bench-out/dupes.json.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.bench_dupe_methods import AUDIO_EXT, load
from benchmarks.dupe_copies import make_copies, to_mono
from benchmarks.dupe_fingerprints import wave_ncc
from soundseek.audio.decode import iter_windows
from soundseek.audio.soundprint import PrintBuilder
from soundseek.copies.groups import build_groups
from soundseek.copies.matching import find_relations
from soundseek.index.prints.printindex import PrintIndex
from soundseek.index.prints.relations import CONTAINED
from soundseek.index.tables.records import FileRecord

BATCH = 256  # files written in one transaction (PrintStore.unmatched's batch)


def prepare(args, tmp: Path) -> list[dict]:
    """Originals and their copies as files: [{id, family, transform, path, offset}]."""
    files = sorted(p for p in Path(args.real).rglob("*") if p.suffix.lower() in AUDIO_EXT)
    random.Random(args.seed).shuffle(files)
    rng, items, fam = random.Random(args.seed), [], 0
    for path in files:
        if fam >= args.limit:
            break
        loaded = load(str(path), args.max_seconds)
        if loaded is None:
            continue
        data, rate = loaded
        folder = tmp / f"f{fam}"
        folder.mkdir()
        orig = folder / "orig.wav"
        sf.write(str(orig), data, rate, subtype="FLOAT")
        items.append({"family": fam, "transform": "orig", "path": str(orig), "offset": 0.0,
                      "source": str(path), "duration": len(data) / rate})  # fmt: skip
        for transform, copy, offset in make_copies(folder, data, rate, rng):
            items.append({"family": fam, "transform": transform, "path": copy,
                          "offset": offset, "source": str(path)})  # fmt: skip
        fam += 1
    random.Random(args.seed + 1).shuffle(items)
    for i, it in enumerate(items):
        it["id"] = f"c{i:06d}"
    return items


def printed(path: str, costs: dict) -> object:
    """The print from the decoder's own pass; the pass is timed with and without it."""
    t0 = time.perf_counter()
    for _ in iter_windows(path):
        pass
    t1 = time.perf_counter()
    builder = PrintBuilder()
    for _ in iter_windows(path, None, builder):
        pass
    p = builder.finish()
    t2 = time.perf_counter()
    costs["decode"].append(t1 - t0)
    costs["print"].append(max(0.0, (t2 - t1) - (t1 - t0)))
    return p


def add_all(items: list[dict], index: PrintIndex, costs: dict, checks: list) -> list:
    paths = {it["id"]: it["path"] for it in items}
    family = {it["id"]: it["family"] for it in items}
    relations = []
    session = index.session()
    for n, it in enumerate(items):
        p = printed(it["path"], costs)
        t0 = time.perf_counter()

        def report(c, check, me=it["id"]):
            checks.append((family[me] == family[c.item.content], check.mel, check.wave))

        found = find_relations(it["id"], p, session, paths.get, report)
        session.add(it["id"], p.duration, p.hashes, p.stride, found)
        if (n + 1) % BATCH == 0 or n + 1 == len(items):
            session.flush()
        costs["match"].append(time.perf_counter() - t0)
        relations += found
        if n % 500 == 0:
            print(f"  {n}/{len(items)} files", flush=True)
    return relations


def _records(items: list[dict]) -> list[FileRecord]:
    return [FileRecord(root_id="r", relpath=it["path"], content_hash=it["id"]) for it in items]


def evaluate(items: list[dict], relations: list) -> dict:
    by_id = {it["id"]: it for it in items}
    orig_of = {it["family"]: it for it in items if it["transform"] == "orig"}
    groups = build_groups(_records(items), relations, CONTAINED)
    group_of = {c.file.content_hash: g.id for g in groups for c in g.copies}
    direct = {(r.outer, r.inner) for r in relations} | {(r.inner, r.outer) for r in relations}
    found, direct_found, misses = defaultdict(list), defaultdict(list), []
    for it in items:
        if it["transform"] == "orig":
            continue
        o = orig_of[it["family"]]["id"]
        g = group_of.get(it["id"])
        ok = g is not None and g == group_of.get(o)
        found[it["transform"]].append(ok)
        direct_found[it["transform"]].append((it["id"], o) in direct)
        if not ok:
            misses.append({"transform": it["transform"], "source": it["source"],
                           "duration": orig_of[it["family"]]["duration"]})  # fmt: skip
    return {
        "recall_found": {t: float(np.mean(v)) for t, v in sorted(found.items())},
        "recall_direct": {t: float(np.mean(v)) for t, v in sorted(direct_found.items())},
        "n": {t: len(v) for t, v in sorted(found.items())},
        "misses": misses,
        **precision(by_id, orig_of, relations),
        "regions": regions(by_id, orig_of, relations),
    }


def precision(by_id: dict, orig_of: dict, relations: list) -> dict:
    cache: dict[tuple[int, int], bool] = {}
    false = []
    for r in relations:
        a, b = by_id[r.outer], by_id[r.inner]
        if a["family"] == b["family"]:
            continue
        key = tuple(sorted((a["family"], b["family"])))
        if key not in cache:
            cache[key] = _same_samples(orig_of[key[0]]["path"], orig_of[key[1]]["path"])
        if not cache[key]:
            false.append({"outer": a["source"], "inner": b["source"], "level": r.level,
                          "score": r.score})  # fmt: skip
    n = len(relations)
    return {"relations": n, "false_relations": len(false),
            "precision": (n - len(false)) / n if n else 1.0, "false": false[:40],
            "cross_family_same_samples": sum(cache.values())}  # fmt: skip


def _same_samples(a: str, b: str) -> bool:
    (x, rx), (y, ry) = sf.read(a, always_2d=True), sf.read(b, always_2d=True)
    return wave_ncc(to_mono(x, rx), to_mono(y, ry)) >= 0.98


def regions(by_id: dict, orig_of: dict, relations: list) -> dict:
    """Regions and the offset their direct relation to the original gives."""
    errs, missing = [], 0
    for it in by_id.values():
        if it["transform"] != "region_2s":
            continue
        o = orig_of[it["family"]]["id"]
        rel = [r for r in relations if {r.outer, r.inner} == {o, it["id"]}]
        if not rel:
            missing += 1
            continue
        r = rel[0]
        got = r.offset_s if r.outer == o else -r.offset_s
        errs.append({"error_ms": abs(got - it["offset"]) * 1000, "level": r.level})
    within = sum(e["error_ms"] <= 50 for e in errs)
    return {"n": len(errs) + missing, "direct": len(errs), "within_50ms": within,
            "contained_level": sum(e["level"] == CONTAINED for e in errs),
            "max_error_ms": max((e["error_ms"] for e in errs), default=None)}  # fmt: skip


def sweep(checks: list[tuple[bool, float, float]]) -> list[dict]:
    """Every checked candidate pair (same family or not) against pairs of thresholds: how
    many different-family pairs each would accept, how many same-family pairs it would
    reject (families pair across packages too: the precision above says how often)."""
    same = np.array([c[0] for c in checks], bool)
    mel = np.array([c[1] for c in checks])
    wave = np.array([c[2] for c in checks])
    out = []
    for m in (0.8, 0.85, 0.9):
        for w in (0.0, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97):
            ok = (mel >= m) & (wave >= w)
            out.append({"mel": m, "wave": w, "same_rejected": int((same & ~ok).sum()),
                        "other_accepted": int((~same & ok).sum())})  # fmt: skip
    return out


def summary(costs: dict) -> dict:
    def ms(v):
        return {
            "median_ms": float(np.median(v) * 1000),
            "p95_ms": float(np.percentile(v, 95) * 1000),
        }

    return {k: ms(v) for k, v in costs.items() if v}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", default="/tmp/realx")
    ap.add_argument("--limit", type=int, default=300, help="originals")
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--out", default="bench-out/dupes.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        items = prepare(args, Path(tmp))
        print(f"{len(items)} files ({args.limit} originals) in {time.perf_counter() - t0:.0f} s")
        index = PrintIndex(Path(tmp) / "prints.sqlite", writable=True)
        costs: dict[str, list[float]] = {"decode": [], "print": [], "match": []}
        checks: list[tuple[bool, float, float]] = []
        relations = add_all(items, index, costs, checks)
        index.close()  # its last writes checkpointed from the WAL into the file
        size = (Path(tmp) / "prints.sqlite").stat().st_size
        result = evaluate(items, relations)
    result.update(cost=summary(costs), files=len(items), seconds=time.perf_counter() - t0,
                  index_bytes_per_file=size / len(items), thresholds=sweep(checks))  # fmt: skip
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    for k in ("recall_found", "recall_direct"):
        print(k, " ".join(f"{t}={v:.3f}" for t, v in result[k].items()))
    print({k: result[k] for k in ("relations", "false_relations", "precision", "regions", "cost")})
    for row in result["thresholds"]:
        print(row)


if __name__ == "__main__":
    main()
