"""Which duplicate fingerprint to build for issue 23: a measured study, not the feature.

  PYTHONPATH=$PWD .venv/bin/python -m benchmarks.bench_dupe_methods --real /tmp/realx --limit 400

Takes a random sample of real recordings (files that do not decode are skipped; files over
`--max-seconds` are cut to that length, and the cut is "the original"), writes transformed copies
of each into a temp dir (rate 44.1k/96k, 16/24-bit, MP3 via PyAV libmp3lame, Ogg Vorbis and FLAC
via libsndfile, +-6 dB, 50/200/500 ms trims at either end, 300 ms silence padding, mono fold, and
a 2 s region of files over 6 s), decodes every copy back through SoundSeek's own decoder, and
fingerprints originals and copies with three candidate representations:

  landmark    peak-pair hashes (Shazam/audfprint style) in an inverted index; a match is many
              hashes agreeing on one time offset, which is also the region's offset.
  landmark+verify  landmark candidates checked by log-mel correlation at the landmark offset.
  landmark+wave    landmark candidates checked by waveform correlation (slow; --methods only).
  chromaprint libchromaprint (ctypes) raw 32-bit items in an inverted index; candidates by shared
              items at one offset, verified by bit error rate.
  melvec      a gain-normalised log-mel summary vector (for an ANN) to find candidates, verified
              by normalised cross-correlation of the log-mel frame sequences (gives the offset).

Every item (original or copy) is a query against the index of all items. Recall: a copy finds
its original (the region: with its offset within 50 ms). Precision: among all pairs reported
where one side is an original, the share that belong to one family; pairs between different
originals are checked by content (same samples after resampling) and counted true when they
are. Writes bench-out/dupe_methods.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.dupe_copies import make_copies, to_mono
from benchmarks.dupe_fingerprints import MEL_BANDS, Chromaprint, landmark_fp, melvec_fp, wave_ncc
from benchmarks.dupe_matching import (
    Item,
    chromaprint_matches,
    landmark_matches,
    melvec_matches,
    verified_matches,
    wave_matches,
)
from soundseek.audio.decode import read_segment

AUDIO_EXT = {".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3", ".au", ".voc"}
BUCKETS = ((0.0, 0.5, "<0.5s"), (0.5, 2.0, "0.5-2s"), (2.0, 10.0, "2-10s"), (10.0, 1e9, ">10s"))


def same_content(a: np.ndarray, b: np.ndarray) -> bool:
    """Same samples (one possibly a region of the other) after resampling."""
    return wave_ncc(a, b) >= 0.98


def evaluate(items, matches, threshold, content_cache) -> dict:
    """Recall per transform, precision over pairs with an original on one side."""
    orig = {it.family: k for k, it in enumerate(items) if it.transform == "orig"}
    reported: dict[tuple[int, int], bool] = {}
    for q, found in matches.items():
        for i, score, _off in found:
            if score >= threshold and "orig" in (items[q].transform, items[i].transform):
                reported[(min(q, i), max(q, i))] = True
    true = false = content_true = 0
    false_pairs, false_orig_orig = set(), set()
    for a, b in reported:
        fa, fb = items[a].family, items[b].family
        if fa == fb:
            true += 1
            continue
        key = (min(fa, fb), max(fa, fb))
        if key not in content_cache:
            content_cache[key] = same_content(items[orig[fa]].mono, items[orig[fb]].mono)
        if content_cache[key]:
            true, content_true = true + 1, content_true + 1
        else:
            false += 1
            false_pairs.add(key)
            if items[a].transform == items[b].transform == "orig":
                false_orig_orig.add(key)
    recall = defaultdict(lambda: [0, 0])
    by_bucket = defaultdict(lambda: [0, 0])
    for q, it in enumerate(items):
        if it.transform == "orig":
            continue
        o = orig[it.family]
        hit = [
            (s, off)
            for i, s, off in matches[q] + [(q2, s2, -o2) for q2, s2, o2 in matches[o] if q2 == q]
            if i == o and s >= threshold
        ]
        ok = bool(hit)
        if ok and it.transform == "region_2s":
            ok = any(abs(off - it.offset) <= 0.05 for _s, off in hit)
        recall[it.transform][0] += ok
        recall[it.transform][1] += 1
        by_bucket[_bucket(items[o].duration)][0] += ok
        by_bucket[_bucket(items[o].duration)][1] += 1
    return {
        "threshold": threshold,
        "precision": true / max(1, true + false),
        "reported_pairs": true + false,
        "false_pairs_between_recordings": false,
        "false_recording_pairs_distinct": len(false_pairs),
        "false_original_vs_original": len(false_orig_orig),
        "false_family_pairs": sorted(false_pairs),
        "cross_pairs_same_content": content_true,
        "recall": {t: r[0] / r[1] for t, r in sorted(recall.items())},
        "recall_n": {t: r[1] for t, r in sorted(recall.items())},
        "recall_by_original_bucket": {b: r[0] / r[1] for b, r in sorted(by_bucket.items())},
    }


# ----------------------------------------------------------------------------- driver


def sample_files(root: Path, limit: int, seed: int) -> list[Path]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXT)
    random.Random(seed).shuffle(files)
    return files


def load(path: str, max_seconds: float) -> tuple[np.ndarray, int] | None:
    try:
        data, rate = read_segment(path, 0.0, max_seconds)
    except Exception:  # a study: anything that does not decode is skipped
        return None
    if len(data) < 0.1 * rate or not np.any(np.abs(data) > 1e-4):
        return None
    return data.astype(np.float32), rate


def fingerprint(item: Item, cp: Chromaprint, costs: dict) -> None:
    for name, fn in (("landmark", landmark_fp), ("chromaprint", cp.raw), ("melvec", melvec_fp)):
        t0 = time.perf_counter()
        item.fps[name] = fn(item.mono)
        if item.transform == "orig":
            costs[name][_bucket(item.duration)].append(time.perf_counter() - t0)


def _bucket(duration: float) -> str:
    return next(name for lo, hi, name in BUCKETS if lo <= duration < hi)


def build(args) -> tuple[list[Item], dict, dict]:
    cp, rng = Chromaprint(), random.Random(args.seed)
    costs = {m: defaultdict(list) for m in ("landmark", "chromaprint", "melvec", "decode")}
    items: list[Item] = []
    info = {"skipped": 0, "chromaprint": cp.version, "source_rates": defaultdict(int)}
    with tempfile.TemporaryDirectory() as tmp:
        for path in sample_files(Path(args.real), args.limit, args.seed):
            if len({it.family for it in items}) >= args.limit:
                break
            t0 = time.perf_counter()
            loaded = load(str(path), args.max_seconds)
            if loaded is None:
                info["skipped"] += 1
                continue
            data, rate = loaded
            fam, folder = len({it.family for it in items}), Path(tmp) / str(len(items))
            folder.mkdir()
            orig = Item(fam, "orig", to_mono(data, rate), len(data) / rate, path=str(path))
            costs["decode"][_bucket(orig.duration)].append(time.perf_counter() - t0)
            info["source_rates"][rate] += 1
            fingerprint(orig, cp, costs)
            items.append(orig)
            for transform, copy_path, offset in make_copies(folder, data, rate, rng):
                back, back_rate = read_segment(copy_path)
                copy = Item(fam, transform, to_mono(back, back_rate), len(back) / back_rate, offset)
                fingerprint(copy, cp, costs)
                items.append(copy)
    return items, costs, info


def _by_bucket(items: list[Item]) -> dict[str, list[Item]]:
    return {b: [it for it in items if _bucket(it.duration) == b] for *_r, b in BUCKETS}


def sizes(items: list[Item]) -> dict:
    """Fingerprint size per second of audio, and per file, over originals."""
    origs = [it for it in items if it.transform == "orig"]
    secs = sum(it.duration for it in origs)
    lm = sum(len(it.fps["landmark"]) for it in origs)
    cp = sum(len(it.fps["chromaprint"]) for it in origs)
    frames = sum(len(it.fps["melvec"][1]) for it in origs)
    return {
        "mean_duration_s": secs / len(origs),
        "landmark_hashes_per_s": lm / secs,
        "landmark_bytes_per_s": lm / secs * 8,  # posting: uint32 hash + uint32 (file, frame)
        "chromaprint_items_per_s": cp / secs,
        "chromaprint_bytes_per_s": cp / secs * 8,  # uint32 item + posting
        "melvec_vector_bytes_per_file": 64 * 4,
        "melvec_frames_bytes_per_s": frames / secs * MEL_BANDS,  # int8 log-mel for the check
        "GB_at_1M_files_of_this_mean_duration": {
            "landmark_postings": lm * 8 / len(origs) * 1e6 / 1e9,
            "chromaprint_postings": cp * 8 / len(origs) * 1e6 / 1e9,
            "melvec_vectors": 256 * 1e6 / 1e9,
        },
        "chromaprint_empty_by_bucket": {
            b: f"{sum(not len(it.fps['chromaprint']) for it in group)}/{len(group)}"
            for b, group in _by_bucket(origs).items()
        },
    }


THRESHOLDS = {
    "landmark": (0.05, 0.1, 0.15, 0.2, 0.3),
    "chromaprint": (0.65, 0.7, 0.75, 0.8, 0.85),
    "melvec": (0.8, 0.85, 0.9, 0.95, 0.98),
    "landmark+verify": (0.8, 0.85, 0.9, 0.95, 0.98),
    "landmark+wave": (0.8, 0.85, 0.9, 0.95, 0.97),
}


def run(args) -> dict:
    t0 = time.perf_counter()
    items, costs, info = build(args)
    built = time.perf_counter() - t0
    result = {"sample": {}, "methods": {}, "cost_ms": {}, "size": sizes(items)}
    origs = [it for it in items if it.transform == "orig"]
    result["sample"] = {
        "originals": len(origs),
        "copies": len(items) - len(origs),
        "skipped_undecodable_or_silent": info["skipped"],
        "by_bucket": {b: sum(_bucket(it.duration) == b for it in origs) for *_x, b in BUCKETS},
        "source_rates": dict(info["source_rates"]),
        "chromaprint_version": info["chromaprint"],
        "build_s": built,
    }
    for name, fn in (
        ("landmark", landmark_matches),
        ("chromaprint", chromaprint_matches),
        ("melvec", melvec_matches),
        ("landmark+verify", verified_matches),
        ("landmark+wave", wave_matches),
    ):
        if name not in args.methods.split(","):
            continue
        t1 = time.perf_counter()
        matches, cache = fn(items), {}
        sweep = [evaluate(items, matches, th, cache) for th in THRESHOLDS[name]]
        result["methods"][name] = {"match_s": time.perf_counter() - t1, "sweep": sweep}
    for name, by in costs.items():
        result["cost_ms"][name] = {
            b: {
                "n": len(v),
                "median_ms": 1000 * float(np.median(v)),
                "p95_ms": 1000 * float(np.percentile(v, 95)),
            }
            for b, v in sorted(by.items())
        }
    result["families"] = [it.path for it in origs]
    return result


def print_table(result: dict) -> None:
    s = result["sample"]
    print(f"sample: {s['originals']} originals, {s['copies']} copies, buckets {s['by_bucket']}")
    for name, m in result["methods"].items():
        print(f"\n== {name} (matching {m['match_s']:.1f} s)")
        transforms = list(m["sweep"][0]["recall"])
        print("thr     prec   pairs false same " + " ".join(t[:10].rjust(10) for t in transforms))
        for e in m["sweep"]:
            rec = " ".join(f"{e['recall'][t]:10.3f}" for t in transforms)
            print(
                f"{e['threshold']:<6} {e['precision']:.4f} {e['reported_pairs']:6d} "
                f"{e['false_pairs_between_recordings']:5d} {e['cross_pairs_same_content']:4d} {rec}"
            )
    print("\ncost ms (median/p95) by duration bucket")
    for name, by in result["cost_ms"].items():
        print(
            f"  {name:12s} "
            + "  ".join(f"{b}: {v['median_ms']:.1f}/{v['p95_ms']:.1f}" for b, v in by.items())
        )
    print("\nsize", json.dumps(result["size"], indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", required=True, help="folder of real recordings")
    ap.add_argument("--limit", type=int, default=150, help="originals to sample")
    ap.add_argument("--max-seconds", type=float, default=30.0, help="cut originals to this")
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--methods", default="landmark,chromaprint,melvec,landmark+verify")
    ap.add_argument("--out", default="bench-out/dupe_methods.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    result = run(args)
    result["total_s"] = time.perf_counter() - t0
    print_table(result)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    print(f"\nwrote {args.out} in {result['total_s']:.0f} s")


if __name__ == "__main__":
    main()
