"""The indexing decoder worker's CPU cost per window, by part, this checkout against another.

  git worktree add /tmp/wk-old b44c430
  PYTHONPATH=$PWD .venv/bin/python -m benchmarks.bench_worker --library /tmp/real300 \\
      --vs /tmp/wk-old --repeats 5

Times `ingest.decoders.decode_file` (what a worker process runs for each file) over every
audio file of a library, single-threaded, in a child process per pass, so two checkouts of
SoundSeek can be timed by the same code: the child imports `soundseek` from the tree it is
given. The parts are timed where they are called, with CPU time (time.process_time):
`LogMel` on each window, the sound print (`PrintBuilder.feed`/`finish`: soxr LQ to 12 kHz,
log spectrum, peaks, pair hashes) and the envelope (`EnvelopeBuilder.feed`); "decode" is the
rest of decode_file (libsndfile, downmix, soxr VHQ to 48 kHz, cutting windows, the finite
check). Passes alternate between the trees; each part's median over the repeats is reported,
in seconds and milliseconds per window.

The first pass of each tree also records what it produced: the checkouts must give the same
window samples, envelopes and print bytes (bit for bit) and log-mel features equal within
float32 rounding (the largest difference is reported, in dB). Writes bench-out/worker.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTS = ("decode", "print", "envelope", "logmel", "total")
SINGLE = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
AUDIO = {".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3", ".wv", ".m4a", ".opus"}


# -- the child: one pass over the library with the soundseek of PYTHONPATH ------------------


def _child(files: list[str], filters: str, record: str | None) -> dict:
    import numpy as np

    from soundseek.embed.features import FeatureSpec, LogMel
    from soundseek.ingest import decoders

    spent = dict.fromkeys(PARTS, 0.0)

    def timed(part, fn):
        def run(*args, **kwargs):
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - t0

        return run

    class Envelope(decoders.EnvelopeBuilder):
        feed = timed("envelope", decoders.EnvelopeBuilder.feed)
        to_bytes = timed("envelope", decoders.EnvelopeBuilder.to_bytes)

    class Printer(decoders.PrintBuilder):
        feed = timed("print", decoders.PrintBuilder.feed)
        finish = timed("print", decoders.PrintBuilder.finish)

    decoders.EnvelopeBuilder, decoders.PrintBuilder = Envelope, Printer
    logmel = LogMel(FeatureSpec(mel_filters=np.load(filters)))
    features, samples, ends = [], hashlib.sha256(), {}
    excluded = 0.0  # the recording, inside the timed call

    def featurize(window):
        nonlocal excluded
        t0 = time.process_time()
        out = logmel(window)
        spent["logmel"] += time.process_time() - t0
        if record:
            t1 = time.process_time()
            samples.update(np.ascontiguousarray(window).tobytes())
            features.append(out.copy())
            excluded += time.process_time() - t1
        return out

    windows = 0

    def send(message):
        nonlocal windows
        windows += 1

    start = time.process_time()
    for path in files:
        end = decoders.decode_file(path, path, featurize, send)
        if record:
            ends[path] = _summary(end)
    spent["total"] = time.process_time() - start - excluded
    spent["decode"] = spent["total"] - spent["logmel"] - spent["print"] - spent["envelope"]
    out = {"seconds": spent, "windows": windows, "files": len(files)}
    if record:
        np.save(record + ".npy", np.stack(features) if features else np.zeros((0, 1, 1)))
        out["ends"], out["samples_sha256"] = ends, samples.hexdigest()
    return out


def _summary(end) -> dict:
    if hasattr(end, "reason"):
        return {"failed": end.reason}
    return {
        "envelope": hashlib.sha256(end.envelope).hexdigest()[:16],
        "soundprint": hashlib.sha256(end.print).hexdigest()[:16],
        "windows": end.count,
    }


# -- the parent -----------------------------------------------------------------------------


def library(root: str, limit: int) -> list[str]:
    files = sorted(str(p) for p in Path(root).rglob("*")
                   if p.is_file() and p.suffix.lower() in AUDIO)  # fmt: skip
    return files[:limit] if limit else files


def mel_filters(tmp: Path, model: str | None) -> str:
    import numpy as np
    from transformers import ClapFeatureExtractor

    extractor = ClapFeatureExtractor.from_pretrained(model) if model else ClapFeatureExtractor()
    path = tmp / "filters.npy"
    np.save(path, np.asarray(extractor.mel_filters_slaney, dtype=np.float32))
    return str(path)


def one_pass(tree: str, args_file: str, record: str | None) -> dict:
    env = os.environ | SINGLE | {"PYTHONPATH": tree}
    cmd = [sys.executable, __file__, "--child", args_file]
    cmd += ["--record", record] if record else []
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the pass over {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(tmp: Path, first: dict[str, dict]) -> dict:
    import numpy as np

    (a_name, a), (b_name, b) = first.items()
    fa, fb = np.load(tmp / f"{a_name}.npy"), np.load(tmp / f"{b_name}.npy")
    diff = np.abs(fa - fb) if fa.shape == fb.shape and fa.size else None

    def differing(field: str) -> int:
        return sum(a["ends"][k].get(field) != b["ends"].get(k, {}).get(field) for k in a["ends"])

    return {
        "windows_samples_identical": a["samples_sha256"] == b["samples_sha256"],
        "file_ends_identical": a["ends"] == b["ends"],
        "prints_differing": differing("soundprint"),
        "envelopes_differing": differing("envelope"),
        "logmel_max_abs_diff_db": None if diff is None else float(diff.max()),
        "logmel_mean_abs_diff_db": None if diff is None else float(diff.mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--library", default="/tmp/real300")
    ap.add_argument("--vs", help="another checkout's root (e.g. a git worktree of b44c430)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--model", help="a CLAP model folder for the mel filters (default: CLAP's)")
    ap.add_argument("--out", default="bench-out/worker.json")
    args = ap.parse_args()
    here = str(Path(__file__).resolve().parents[1])
    trees = {"new": here} | ({"old": str(Path(args.vs).resolve())} if args.vs else {})
    files = library(args.library, args.limit)
    for p in files:  # warm the page cache
        Path(p).read_bytes()
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        args_file = tmp / "args.json"
        args_file.write_text(json.dumps({"files": files, "filters": mel_filters(tmp, args.model)}))
        first: dict[str, dict] = {}
        for r in range(args.repeats + 1):  # the first, recording pass is not timed
            order = list(trees) if r % 2 else list(trees)[::-1]
            for name in order:
                result = one_pass(trees[name], str(args_file), str(tmp / name) if not r else None)
                if r:
                    runs[name].append(result)
                else:
                    first[name] = result
            if r:
                print(f"pass {r}: " + "  ".join(
                    f"{n} {runs[n][-1]['seconds']['total']:.2f} s" for n in order))  # fmt: skip
        checks = compare(tmp, first) if len(trees) == 2 else {}
    report = {"library": args.library, "files": len(files), "repeats": args.repeats,
              "checks": checks, "trees": {}}  # fmt: skip
    print(f"\n{len(files)} files, {runs['new'][0]['windows']} windows; CPU seconds, median of "
          f"{args.repeats} passes (ms per window)")  # fmt: skip
    head = "part".ljust(10) + "".join(n.rjust(22) for n in trees)
    print(head + ("   new/old" if args.vs else ""))
    for part in PARTS:
        row = part.ljust(10)
        med = {}
        for name in trees:
            med[name] = statistics.median(x["seconds"][part] for x in runs[name])
            per = med[name] / max(1, runs[name][0]["windows"]) * 1000
            row += f"{med[name]:12.2f} ({per:6.2f} ms)"
            report["trees"].setdefault(name, {"root": trees[name]})[part] = {
                "median_s": med[name], "ms_per_window": per,
                "passes_s": [x["seconds"][part] for x in runs[name]]}  # fmt: skip
        if args.vs:
            row += f"   {med['new'] / med['old']:.2f}" if med["old"] else ""
        print(row)
    if checks:
        print(json.dumps(checks, indent=1))
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        given = json.loads(Path(sys.argv[2]).read_text())
        record = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--record" else None
        sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
        print(json.dumps(_child(given["files"], given["filters"], record)))
    else:
        main()
