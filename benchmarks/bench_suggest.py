"""Zero-shot UCS suggestions and learned tags, scored where the right answer is known.

tests.tinyclap trains a tiny CLAP on five synthetic sound classes, each aligned with one UCS
subcategory through the product's own captions (rain → RAIN, low rumble → THUN, sine pips →
BEEP, harmonic barks → ANMLDog, swept noise → WHSH). A fresh library of neutral names
(take_001.wav ..., mixed rates, some FLAC) is indexed through the App like any other; then:

- zero-shot: each file's stored top-3 suggestions (752 subcategories) against its class's
  CatID: top-1 and top-3 accuracy per class;
- learned tags: for each class, `--trials` times, 3 random files of the class are tagged and
  `suggest_tag` ranks the rest of the library: precision of its first (class size - 3)
  suggestions (1.0 = the rest of the class above every other file) and average precision.

The same library with the untrained tiny CLAP (`build_tiny_clap`) is the control.

  .venv/bin/python -m benchmarks.bench_suggest [--per-class 10] [--seeds 0 1 2] [--trials 5]

Results: a table per model seed, and bench-out/suggest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def evaluate(model_dir: Path, files: dict[str, list[str]], trials: int, seed: int) -> dict:
    """Index `files`' folder with the model in a fresh home; zero-shot and tag scores."""
    from soundseek.app import App
    from soundseek.paths import app_paths
    from tests.tinyclap import SOUND_CLASSES

    home = Path(tempfile.mkdtemp(prefix="bench-suggest-home-"))
    os.environ["SOUNDSEEK_HOME"] = str(home)
    app = App.open(app_paths().ensure())
    app.models.import_model(str(model_dir), model_dir.name)
    app.roots.add_root(str(Path(next(iter(files.values()))[0]).parent))
    app.models.load_model()
    t0 = time.perf_counter()
    for _ in app.index():
        pass
    index_s = time.perf_counter() - t0

    tops = {f.path: [c.catid for c in f.suggestions] for f in app.review.category_suggestions()}
    rng = np.random.default_rng(seed)
    per_class = {}
    for name, paths in files.items():
        right = SOUND_CLASSES[name][0]
        precision, ap = [], []
        for trial in range(trials):
            chosen = list(rng.choice(paths, 3, replace=False))
            rest = set(paths) - set(chosen)
            tag = f"{name} trial {trial}"
            app.review.tag(tag, chosen)
            ranked = [s.path for s in app.review.suggest_tag(tag, limit=1000)]
            hits = np.array([p in rest for p in ranked], dtype=float)
            precision.append(hits[: len(rest)].mean())
            ap.append(float((np.cumsum(hits) / np.arange(1, len(hits) + 1))[hits > 0].mean()))
        per_class[name] = {
            "catid": right,
            "files": len(paths),
            "top1": float(np.mean([tops[p][:1] == [right] for p in paths])),
            "top3": float(np.mean([right in tops[p][:3] for p in paths])),
            "tag_precision": float(np.mean(precision)),
            "tag_ap": float(np.mean(ap)),
        }
    n = sum(len(p) for p in files.values())
    overall = {
        k: sum(c[k] * c["files"] for c in per_class.values()) / n
        for k in ("top1", "top3", "tag_precision", "tag_ap")
    }
    return {"index_s": round(index_s, 2), "per_class": per_class, "overall": overall}


def table(title: str, result: dict) -> str:
    rows = [f"\n{title}", "| class | CatID | files | top-1 | top-3 | tag precision | tag AP |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    line = "| {} | {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |"
    for name, c in result["per_class"].items():
        rows.append(line.format(name, c["catid"], c["files"], c["top1"], c["top3"],
                                c["tag_precision"], c["tag_ap"]))  # fmt: skip
    o = result["overall"]
    rows.append(line.format("**all**", "", sum(c["files"] for c in result["per_class"].values()),
                            o["top1"], o["top3"], o["tag_precision"], o["tag_ap"]))  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-class", type=int, default=10, help="library files per class")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="model training seeds")
    ap.add_argument("--library-seed", type=int, default=7)
    ap.add_argument("--trials", type=int, default=5, help="tag trials per class")
    ap.add_argument("--no-control", action="store_true", help="skip the untrained model")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from tests.tinyclap import build_tiny_clap, train_tiny_clap, write_class_library

    work = Path(tempfile.mkdtemp(prefix="bench-suggest-"))
    files = write_class_library(work / "library", args.per_class, seed=args.library_seed)
    out: dict = {"per_class_files": args.per_class, "library_seed": args.library_seed,
                 "cpus": os.cpu_count(), "models": {}}  # fmt: skip
    for seed in args.seeds:
        log: list[str] = []
        wall, cpu = time.perf_counter(), _cpu()
        folder = train_tiny_clap(work / f"trained-{seed}", seed=seed, log=log.append)
        train = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(_cpu() - cpu, 1),
                 "log": log}  # fmt: skip
        result = {"training": train, **evaluate(folder, files, args.trials, seed)}
        out["models"][f"trained seed {seed}"] = result
        print(table(f"trained tiny CLAP, seed {seed}: trained in {train['wall_s']} s "
                    f"({train['cpu_s']} s CPU), library indexed in {result['index_s']} s",
                    result))  # fmt: skip
    if not args.no_control:
        folder = build_tiny_clap(work / "untrained")
        result = evaluate(folder, files, args.trials, 0)
        out["models"]["untrained"] = result
        print(table("untrained tiny CLAP (control)", result))
    Path("bench-out").mkdir(exist_ok=True)
    Path("bench-out", "suggest.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
