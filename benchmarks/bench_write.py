"""Write-back on real recordings: throughput, what each format does, and a byte-exact undo.

  .venv/bin/python -m benchmarks.bench_write --library /path/to/sounds [--limit N]

The audio files under --library are copied into a scratch library (the originals are never
touched), indexed without a model, all tagged, then written and undone through the
application layer, as `soundseek write` and `soundseek undo` do. Measured in the same run:
the I/O floor, a plain copy + fsync + delete of every file beside itself (what any safe
writer that keeps a temporary copy must pay), so the ratio says what the journal, the
verification and the replace cost on top. Checked: every written file reads back with the
tag and the same audio fingerprint; after undo every file is byte for byte what it was.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from soundseek.files.scanner import is_audio

OUT = Path("bench-out/write.json")


def collect(library: Path, dest: Path, limit: int) -> list[Path]:
    """Copy up to `limit` audio files, flattened per top-level folder (names kept unique)."""
    out = []
    for path in sorted(library.rglob("*")):
        if len(out) >= limit:
            break
        if path.is_file() and is_audio(path.name):
            rel = path.relative_to(library)
            target = dest / rel.parts[0] / "_".join(rel.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            out.append(target)
    return out


def digests(files: list[Path]) -> dict[Path, str]:
    return {f: hashlib.blake2b(f.read_bytes(), digest_size=16).hexdigest() for f in files}


def copy_floor(files: list[Path]) -> float:
    """Seconds for copy + fsync + delete of each file in its own folder."""
    t0 = time.perf_counter()
    for f in files:
        temp = f.with_name(f".{f.name}.floor")
        shutil.copyfile(f, temp)
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        temp.unlink()
    return time.perf_counter() - t0


def run(library: Path, limit: int) -> dict:
    from soundseek.app import App
    from soundseek.files.fingerprint import content_hash
    from soundseek.metadata.reader import read_metadata
    from soundseek.paths import app_paths

    scratch = Path(tempfile.mkdtemp(prefix="bench-write-"))
    os.environ["SOUNDSEEK_HOME"] = str(scratch / "home")
    files = collect(library, scratch / "lib", limit)
    size = sum(f.stat().st_size for f in files)
    app = App.open(app_paths().ensure())
    app.roots.add_root(str(scratch / "lib"))
    list(app.index(embed=False))
    app.review.tag("bench keeper", [str(f) for f in files])
    before = digests(files)
    fingerprints = {f: content_hash(str(f)) for f in files}
    floor = copy_floor(files)

    t0 = time.perf_counter()
    outcomes = [p.outcome for p in app.writes.write_metadata()]
    t_write = time.perf_counter() - t0
    status, by_format, reasons = Counter(), defaultdict(Counter), Counter()
    bad = []
    for o in outcomes:
        status[o.status] += 1
        ext = Path(o.path).suffix.lower()
        by_format[o.format or ext][o.status] += 1
        if o.status == "refused":
            reasons[f"{ext}: {o.reason[:90]}"] += 1
        elif o.status == "written":
            p = Path(o.path)
            meta = read_metadata(o.path)
            if "bench keeper" not in meta.keywords or content_hash(o.path) != fingerprints[p]:
                bad.append(o.path)
    journal = sum(f.stat().st_size for f in app.writes.journal_dir.rglob("*") if f.is_file())
    t0 = time.perf_counter()
    _batch_id, undone = app.writes.undo_writes()
    t_undo = time.perf_counter() - t0
    after = digests(files)
    changed = [str(f) for f in files if after[f] != before[f]]
    written = status["written"]
    result = {
        "files": len(files), "megabytes": round(size / 1e6, 1), "status": dict(status),
        "by_format": {k: dict(v) for k, v in by_format.items()},
        "refusals": dict(reasons.most_common(20)), "written_but_wrong": bad[:20],
        "write_s": round(t_write, 2), "written_per_s": round(written / t_write, 1),
        "floor_s": round(floor, 2), "write_vs_floor": round(t_write / floor, 2),
        "journal_megabytes": round(journal / 1e6, 1),
        "undo_s": round(t_undo, 2), "restored": sum(u.restored for u in undone),
        "not_byte_identical_after_undo": changed[:20],
    }  # fmt: skip
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=5000)
    args = ap.parse_args()
    result = run(args.library, args.limit)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
