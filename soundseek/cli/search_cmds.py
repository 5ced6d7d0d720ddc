"""Search commands: text search and "more like this"."""

from __future__ import annotations

import contextlib
import sys

from soundseek.app import Steer
from soundseek.cli.common import EXIT_OK, human_seconds, json_line, open_app, short_duration
from soundseek.errors import ModelError


def _app_with_model(app=None):
    """Sound search when a model loads and the index holds vectors it could search; else
    metadata search (with a note), which never imports the model's libraries."""
    app = app or open_app()
    if app.sound_searchable():
        with contextlib.suppress(ModelError):  # the search result carries the reason as a note
            app.models.load_model()
    return app


def _print(result, as_json: bool, min_confidence: float = 0.0) -> None:
    """JSON: every hit (each with `confidence` and `strong`); text: the strong matches, a
    divider line, then the weaker ones (the divider goes to stderr, as notes do: stdout keeps
    one line per hit). `min_confidence` leaves out the less sure."""
    if min_confidence > 0:
        result = result.at_least(min_confidence)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if as_json:
        for hit in result.hits:
            print(json_line(hit.to_json()))
        return
    if not result.hits:
        print("no matches", file=sys.stderr)
    weaker = len(result.hits) - result.strong
    for h in result.hits:
        if not h.strong and weaker:
            sys.stdout.flush()
            print(
                f"     --- {weaker} weaker match{'es' if weaker > 1 else ''} ---", file=sys.stderr
            )
            weaker = 0
        _print_hit(h)


def _print_hit(h) -> None:
    f = h.file
    at = f" @{human_seconds(h.start)}" if h.start and f.duration > 10 else ""
    print(
        f"{h.rank:3d}. {h.score:.2f} {h.confidence:4.0%} sure  {h.path}{at}  "
        f"[{short_duration(f.duration)} {f.samplerate / 1000:g}k {f.channels}ch; "
        f"{', '.join(h.matched) or '-'}]"
    )
    for why in h.why:
        print(f"       {why}")
    if h.copies:
        n = len(h.copies)
        listed = ", ".join(c.path for c in h.copies[:3]) + (" ..." if n > 3 else "")
        print(f"       + {n} cop{'ies' if n != 1 else 'y'}: {listed}")


def cmd_search(args) -> int:
    """The application picks the way: instant when it can answer (no LanceDB, no torch), else
    the full one with the model loaded."""
    steer = Steer(good=tuple(args.good), bad=tuple(args.bad))
    result = open_app().search(args.query, args.limit, steer, loads_model=True,
                               all_copies=args.all_copies)  # fmt: skip
    _print(result, args.json, args.min_confidence)
    return EXIT_OK


def cmd_similar(args) -> int:
    change = Steer(args.plus, args.minus, tuple(args.good), tuple(args.bad))
    result = _app_with_model().similar(args.file, args.at, args.limit, args.filter, change,
                                       all_copies=args.all_copies)  # fmt: skip
    _print(result, args.json, args.min_confidence)
    return EXIT_OK
