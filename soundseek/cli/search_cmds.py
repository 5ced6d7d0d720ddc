"""Search commands: text search and "more like this"."""

from __future__ import annotations

import json
import sys

from soundseek.cli.common import EXIT_OK, context, human_seconds, short_duration
from soundseek.core import models
from soundseek.core.errors import ModelInvalid, ModelUnavailable
from soundseek.core.search import Searcher, SearchResult
from soundseek.core.store import Store


def _searcher(need_model: bool) -> Searcher:
    paths, settings = context()
    store = Store(paths.store_dir)
    try:
        embedder = models.load_embedder(
            paths, settings.model, settings.device, settings.torch_threads
        )
    except (ModelUnavailable, ModelInvalid):
        if need_model:
            raise
        embedder = None
    return Searcher(store, embedder, settings.caption_prompts)


def _print(result: SearchResult, as_json: bool) -> None:
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if as_json:
        for hit in result.hits:
            print(json.dumps(hit.to_json(), ensure_ascii=False))
        return
    if not result.hits:
        print("no matches", file=sys.stderr)
    for h in result.hits:
        f = h.file
        at = f" @{human_seconds(h.start)}" if h.start and f.get("duration", 0) > 10 else ""
        sound = f" sound {h.sound:.0%}" if h.sound is not None and h.sound == h.sound else ""
        print(
            f"{h.rank:3d}. {h.score:.2f}{sound}  {h.path}{at}  "
            f"[{short_duration(f['duration'])} {f['samplerate'] / 1000:g}k {f['channels']}ch; "
            f"{', '.join(h.matched) or '-'}]"
        )


def cmd_search(args) -> int:
    result = _searcher(need_model=False).search(args.query, args.limit)
    _print(result, args.json)
    return EXIT_OK


def cmd_similar(args) -> int:
    result = _searcher(need_model=False).similar_file(args.file, args.at, args.limit, args.filter)
    _print(result, args.json)
    return EXIT_OK
