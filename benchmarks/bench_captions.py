"""Does caption phrasing of short queries help? Sound-only retrieval, with and without it.

Needs an indexed library whose files carry UCS CatIDs (from names or iXML) and a real model:
  .venv/bin/python -m benchmarks.bench_captions [--min-files 5]
Each UCS subcategory with enough files becomes a query ("door wood"); its files are the relevant
set. Only audio vectors are searched, so names and metadata cannot leak into the score.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np

from soundseek.app import App
from soundseek.embed.base import query_vector
from soundseek.index.tables.filters import ONLY_INDEXED, SEARCHABLE
from soundseek.metadata.ucs import load_catalog
from soundseek.search.searcher import Searcher


def evaluate(searcher: Searcher, queries: dict[str, set[str]], captions: bool) -> dict:
    rr, recall = [], []
    for text, relevant in queries.items():
        vec = query_vector(searcher.embedder, text, captions)[None, :]
        sound = searcher._sound_matches(vec, SEARCHABLE)[0]
        ranked = sorted(sound, key=lambda h: -sound[h].sim)
        hits = [i for i, h in enumerate(ranked, 1) if h in relevant]
        rr.append(1.0 / hits[0] if hits else 0.0)
        recall.append(len(set(ranked[:10]) & relevant) / min(10, len(relevant)))
    return {"mrr": float(np.mean(rr)), "recall_at_10": float(np.mean(recall))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-files", type=int, default=5)
    args = ap.parse_args()
    app = App.open()
    embedder = app.load_model()
    searcher = app.library().searcher
    catalog = load_catalog()
    by_cat: dict[str, set[str]] = defaultdict(set)
    for rec in app.library().store.records(ONLY_INDEXED):
        if rec.catid:
            by_cat[rec.catid].add(rec.content_hash)
    queries = {
        f"{catalog.get(c).category} {catalog.get(c).subcategory}".lower(): hashes
        for c, hashes in by_cat.items()
        if len(hashes) >= args.min_files
    }
    if not queries:
        raise SystemExit("no UCS subcategory has enough embedded files to evaluate")
    result = {
        "model": embedder.model_id, "queries": len(queries),
        "plain": evaluate(searcher, queries, captions=False),
        "captions": evaluate(searcher, queries, captions=True),
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
