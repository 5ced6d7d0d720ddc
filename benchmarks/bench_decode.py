"""Decoding for indexing, per format: libsndfile against PyAV (FFmpeg), soxr's qualities, and
the product's whole window pass, on one and two processes (issue 24's profile).

  PYTHONPATH=$PWD .venv/bin/python -m benchmarks.bench_decode --real /tmp/realx --per-format 40

Takes real recordings of each format found (Ogg Vorbis, FLAC, WAV) and makes two more sets
from them: 96 kHz / 24-bit WAV (soxr VHQ) and MP3 128k (PyAV libmp3lame). Per file, timed on
a warm page cache: reading every block through libsndfile and through PyAV, resampling the
mono mix to 48 kHz at each soxr quality (with its largest difference from VHQ, which the
product uses), and the product's `iter_windows` (decode, mix, resample, 10 s windows). Then
the product's pass over all files with 1 and 2 processes: windows per second. Reported per
format as milliseconds per second of audio. Writes bench-out/decode.json.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import defaultdict
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from benchmarks.dupe_copies import _mp3
from soundseek.audio.decode import BLOCK_FRAMES, TARGET_RATE, downmix, iter_windows
from soundseek.audio.sources import _FfmpegSource, _SndfileSource

QUALITIES = ("QQ", "LQ", "MQ", "HQ", "VHQ")


def sample(root: str, per_format: int, seed: int, tmp: Path) -> dict[str, list[str]]:
    files = sorted(Path(root).rglob("*"))
    random.Random(seed).shuffle(files)
    sets: dict[str, list[str]] = defaultdict(list)
    for p in files:
        kind = {".ogg": "ogg_vorbis", ".flac": "flac", ".wav": "wav"}.get(p.suffix.lower())
        if kind is None or len(sets[kind]) >= per_format:
            continue
        try:
            info = sf.info(str(p))
        except (sf.LibsndfileError, RuntimeError):
            continue
        if info.duration >= 0.5:
            sets[kind].append(str(p))
    for i, src in enumerate(sets["flac"] + sets["wav"]):
        if len(sets["wav_24_96k"]) >= per_format:
            break
        data, rate = sf.read(src, always_2d=True, dtype="float32")
        hi = tmp / f"hi{i}.wav"
        sf.write(str(hi), np.clip(soxr.resample(data, rate, 96000, "VHQ"), -1, 1), 96000,
                 subtype="PCM_24")  # fmt: skip
        sets["wav_24_96k"].append(str(hi))
        mp3 = tmp / f"c{i}.mp3"
        _mp3(mp3, data, rate)
        sets["mp3"].append(str(mp3))
    return dict(sets)


def _read_all(source) -> tuple[np.ndarray, int]:
    try:
        parts = [downmix(b) for b in source.blocks(BLOCK_FRAMES)]
    finally:
        source.close()
    return np.concatenate(parts), source.info.samplerate


def timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def per_file(path: str) -> dict[str, float]:
    """Seconds for each stage of one file, and its length in seconds."""
    out: dict[str, float] = {}
    for name, opener in (("sndfile", _SndfileSource), ("pyav", _FfmpegSource)):
        try:
            out[name], (mono, rate) = timed(lambda o=opener: _read_all(o(path)))
        except Exception:  # a decoder that cannot read this format is left out
            continue
    mono, rate = _read_all(_SndfileSource(path) if "sndfile" in out else _FfmpegSource(path))
    out["audio_s"] = len(mono) / rate
    best = soxr.resample(mono, rate, TARGET_RATE, "VHQ")
    for q in QUALITIES:
        out[f"soxr_{q}"], res = timed(soxr.resample, mono, rate, TARGET_RATE, q)
        out[f"soxr_{q}_maxdiff"] = float(np.abs(res[: len(best)] - best[: len(res)]).max())
    out["windows_pass"], out["windows"] = timed(lambda: sum(1 for _ in iter_windows(path)))
    return out


def _pass(paths: list[str]) -> int:
    return sum(1 for p in paths for _ in iter_windows(p))


def parallel(paths: list[str], procs: int) -> dict[str, float]:
    chunks = [paths[i::procs] for i in range(procs)]
    with get_context("spawn").Pool(procs) as pool:
        pool.map(_pass, [paths[:2]] * procs)  # start-up apart
        t0 = time.perf_counter()
        windows = sum(pool.map(_pass, chunks))
        seconds = time.perf_counter() - t0
    return {"processes": procs, "windows": windows, "seconds": seconds,
            "windows_per_s": windows / seconds}  # fmt: skip


def summarise(rows: list[dict]) -> dict:
    audio = sum(r["audio_s"] for r in rows)
    keys = sorted({k for r in rows for k in r if k not in ("audio_s", "windows")})
    out = {"files": len(rows), "audio_s": audio}
    for k in keys:
        vals = [r[k] for r in rows if k in r]
        out[k] = max(vals) if k.endswith("maxdiff") else sum(vals) / audio * 1000  # ms per s
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", default="/tmp/realx")
    ap.add_argument("--per-format", type=int, default=40)
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--out", default="bench-out/decode.json")
    args = ap.parse_args()
    result: dict = {"per_format": {}, "parallel": []}
    with tempfile.TemporaryDirectory() as tmp:
        sets = sample(args.real, args.per_format, args.seed, Path(tmp))
        every = [p for paths in sets.values() for p in paths]
        for p in every:  # warm the page cache
            Path(p).read_bytes()
        for kind, paths in sorted(sets.items()):
            result["per_format"][kind] = summarise([per_file(p) for p in paths])
            print(kind, json.dumps({k: round(v, 4) for k, v in result["per_format"][kind].items()}))
        for procs in (1, 2):
            result["parallel"].append(parallel(every, procs))
            print(result["parallel"][-1])
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
