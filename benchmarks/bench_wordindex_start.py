"""What creating a new library's word index costs before the first file is scanned.

A new word index holds a lexicon of ~173k rows (every dictionary form's lemma and the
thesaurus's words). Computing them loads simplemma's dictionary; now they are copied from a
template made once per machine (soundseek.index.wordindex.lexicon). Each measurement is a
fresh process (OMP_NUM_THREADS=1) that imports the word index untimed, then times
`WordIndex(new path)` (CPU time of the process, and wall time), so every lazy load the
creation triggers is counted, as in a short index run, and then its first write: the file
names of a folder (`--files`, default the 300 real recordings in /tmp/real300). Ways,
alternated in the same run:

- `computed`: the templates folder cannot be written, so the rows are computed (what every
  new library cost before templates);
- `template`: the template is already made (every library after the machine's first);
- `vs`: another checkout's code (`--vs TREE`, e.g. `git archive <commit> | tar -x -C DIR`).

The one-time cost (making the template, then copying it) is measured first, in its own
fresh process with an empty templates folder.

    .venv/bin/python -m benchmarks.bench_wordindex_start --repeats 7 [--vs /tmp/prev]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, sys, time
from pathlib import Path
from soundseek.index.tables.records import FileRecord
from soundseek.index.wordindex.fts import WordIndex
names = Path(sys.argv[2]).read_text(encoding="utf-8").splitlines()
cpu, wall = time.process_time(), time.perf_counter()
words = WordIndex(Path(sys.argv[1]))
made = time.process_time() - cpu, time.perf_counter() - wall
records = [FileRecord(root_id="r", relpath=n, size=1, mtime_ns=i, content_hash=f"h{i}")
           for i, n in enumerate(names)]
words.put(records, "1")
print(json.dumps({"cpu": made[0], "wall": made[1], "put_cpu": time.process_time() - cpu}))
"""


def once(tree: Path, db: Path, templates: Path, names: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1",
               SOUNDSEEK_TEMPLATES=str(templates),
               SOUNDSEEK_HOME=str(db.parent / "home"))  # fmt: skip
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(names)], env=env,
                         check=True, cwd=tree, capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--vs", type=Path, help="another checkout, timed the same way")
    ap.add_argument("--files", type=Path, default=Path("/tmp/real300"),
                    help="a folder whose file names the first write indexes")  # fmt: skip
    args = ap.parse_args()
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="bench-wordindex-") as tmp:
        base = Path(tmp)
        blocker = base / "unwritable"
        blocker.write_text("a file: no templates folder can be made under it")
        shared, names = base / "templates", base / "names.txt"
        found = sorted(p.relative_to(args.files).as_posix() for p in args.files.rglob("*")
                       if p.is_file())  # fmt: skip
        names.write_text("\n".join(found) or "door_slam 01.wav", encoding="utf-8")
        first = once(here, base / "first" / "words.sqlite", shared, names)
        print(f"one-time (make the template, then copy it): cpu {first['cpu']:.3f} s, "
              f"wall {first['wall']:.3f} s; template {_size(shared) / 1e6:.1f} MB")  # fmt: skip
        ways = {"computed": (here, blocker / "templates"), "template": (here, shared)}
        if args.vs:
            ways["vs"] = (args.vs, shared)
        got: dict[str, list[dict[str, float]]] = {w: [] for w in ways}
        for i in range(args.repeats):
            for way, (tree, templates) in ways.items():
                db = base / f"{way}{i}" / "words.sqlite"
                got[way].append(once(tree, db, templates, names))
    for way, runs in got.items():
        cpu, wall, put = (statistics.median(r[k] for r in runs) for k in ("cpu", "wall", "put_cpu"))
        print(f"{way:>9}: median cpu {cpu:.3f} s, wall {wall:.3f} s; with the first write of "
              f"{len(found)} names, cpu {put:.3f} s  (creation cpu "
              f"{min(r['cpu'] for r in runs):.3f}..{max(r['cpu'] for r in runs):.3f}, "
              f"n={len(runs)})")  # fmt: skip


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("lexicon-*.sqlite"))


if __name__ == "__main__":
    main()
