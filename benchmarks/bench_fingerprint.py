"""The audio-payload fingerprint against the whole-file one it replaced, on real files.

  .venv/bin/python -m benchmarks.bench_fingerprint --library /path/to/sounds [--rounds 5]

Without --library it generates a small mixed library (WAV/BWF, RF64, AIFF, FLAC, Ogg Vorbis,
Opus, MP3; tagged as SoundSeek would tag them). Both methods hash every file `--rounds` times
(warm page cache: what is measured is the parsing and the reads, not the disk). Also counted:
reads and bytes read per file, which is what a network drive charges for.
"""

from __future__ import annotations

import argparse
import builtins
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from soundseek.files import fingerprint
from soundseek.files.scanner import is_audio


def generated_library(folder: Path) -> Path:
    """A few files of each format SoundSeek parses, 1 to 60 s, with metadata written in."""
    import soundfile as sf
    from mutagen.flac import FLAC
    from mutagen.id3 import ID3, TIT2
    from mutagen.oggvorbis import OggVorbis

    from tests.audiofiles import bext_bytes, ixml_bytes, noise, write_bwf

    folder.mkdir(parents=True, exist_ok=True)
    for i, seconds in enumerate((1.0, 5.0, 20.0, 60.0)):
        audio = noise(seconds, seed=i)
        write_bwf(folder / f"bwf {i}.wav", audio, bext=bext_bytes("d"), ixml=ixml_bytes({"A": "b"}))
        sf.write(str(folder / f"rf {i}.rf64"), audio, 48000, format="RF64")
        sf.write(str(folder / f"aiff {i}.aif"), audio, 48000, format="AIFF")
        sf.write(str(folder / f"flac {i}.flac"), audio, 48000, format="FLAC")
        f = FLAC(str(folder / f"flac {i}.flac"))
        f["title"] = "x"
        f.save()
        for codec, ext in (("VORBIS", "ogg"), ("OPUS", "opus")):
            path = folder / f"{codec.lower()} {i}.{ext}"
            with sf.SoundFile(str(path), "w", 48000, 1, format="OGG", subtype=codec) as out:
                for k in range(int(seconds)):
                    out.write(audio[k * 48000 : (k + 1) * 48000])
        OggVorbis(str(folder / f"vorbis {i}.ogg")).save()
        mp3 = folder / f"mp3 {i}.mp3"
        sf.write(str(mp3), audio, 48000, format="MP3", subtype="MPEG_LAYER_III")
        tags = ID3()
        tags.add(TIT2(encoding=3, text="x"))
        tags.save(str(mp3), v1=2)
    return folder


def audio_files(root: Path) -> list[str]:
    return sorted(os.path.join(d, n) for d, _, names in os.walk(root) for n in names if is_audio(n))


def time_per_file(fn, paths: list[str], rounds: int) -> list[float]:
    """Microseconds per file, best of `rounds` for each file (the page cache is warm)."""
    best = [float("inf")] * len(paths)
    for _ in range(rounds):
        for i, p in enumerate(paths):
            t = time.perf_counter()
            fn(p)
            best[i] = min(best[i], (time.perf_counter() - t) * 1e6)
    return best


def io_per_file(fn, paths: list[str]) -> tuple[float, float]:
    """Mean read() calls and KiB read per file (counted on the file objects hashing opens)."""
    counts = {"reads": 0, "bytes": 0}

    def counting_open(path, mode="r", *args, **kwargs):
        fh = builtins.open(path, mode, *args, **kwargs)  # noqa: SIM115 (returned open)
        real = fh.read

        def read(n=-1):
            data = real(n)
            counts["reads"] += 1
            counts["bytes"] += len(data)
            return data

        fh.read = read
        return fh

    fingerprint.open = counting_open  # the module's `open` shadows the builtin
    try:
        for p in paths:
            fn(p)
    finally:
        del fingerprint.open
    return counts["reads"] / len(paths), counts["bytes"] / len(paths) / 1024


def format_of(path: str) -> str:
    with open(path, "rb") as fh:
        span = fingerprint.audio_span(fh, os.path.getsize(path), os.path.splitext(path)[1])
    return span.kind.decode() if span else "whole file"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--library", type=Path, help="a folder of real audio files")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    library = args.library or generated_library(Path(tempfile.mkdtemp()) / "lib")
    paths = audio_files(library)
    old = time_per_file(fingerprint.whole_file_hash, paths, args.rounds)
    new = time_per_file(fingerprint.content_hash, paths, args.rounds)
    by_format: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(paths):
        by_format[format_of(p)].append(i)
    result = {
        "files": len(paths),
        "library": str(library),
        "bytes_mean": statistics.mean(os.path.getsize(p) for p in paths),
        "old_us_per_file": round(statistics.mean(old), 1),
        "new_us_per_file": round(statistics.mean(new), 1),
        "old_io": [round(x, 1) for x in io_per_file(fingerprint.whole_file_hash, paths)],
        "new_io": [round(x, 1) for x in io_per_file(fingerprint.content_hash, paths)],
        "by_format": {
            kind: {
                "files": len(ix),
                "old_us": round(statistics.median(old[i] for i in ix), 1),
                "new_us": round(statistics.median(new[i] for i in ix), 1),
            }
            for kind, ix in sorted(by_format.items())
        },
    }
    print(json.dumps(result, indent=2))
    Path("bench-out").mkdir(exist_ok=True)
    Path("bench-out", "fingerprint.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
