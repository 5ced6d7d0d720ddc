"""Library commands: add, remove and re-point folders; index, watch; report status."""

from __future__ import annotations

import contextlib
import json
import time

from soundseek.app.watching import LibraryKeeper
from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_NO_MODEL,
    EXIT_OK,
    human_bytes,
    install_cancel_handler,
    note,
    open_app,
)
from soundseek.cli.progress import ProgressPrinter, follow_preparation
from soundseek.errors import ModelError, ModelUnavailable


def cmd_add(args) -> int:
    app = open_app()
    for p in args.paths:
        result = app.roots.add_root(p)
        if result.added:
            print(f"added {result.root.path}" + (f" ({result.note})" if result.note else ""))
        else:
            print(f"{result.note}: {p}")
    print("next: `soundseek index`")
    return EXIT_OK


def cmd_remove(args) -> int:
    app = open_app()
    for p in args.paths:
        gone = app.roots.remove_root(p)
        print(f"removed {gone.path}")
    print("`soundseek index` drops their files from the index")
    return EXIT_OK


def cmd_relocate(args) -> int:
    move = open_app().roots.relocate_root(args.old, args.new, args.force)
    print(f"{move.old_path} -> {move.root.path}: {move.found} of {move.checked} files checked "
          "are there; every vector is kept, nothing is re-embedded")  # fmt: skip
    return EXIT_OK


def cmd_index(args) -> int:
    app = open_app()
    missing = False
    printer = ProgressPrinter()
    follow_preparation(app, printer)  # a new model's one-time export and gate
    if not args.no_embed:
        try:
            app.models.load_model(args.precision)
        except ModelUnavailable as exc:
            missing = True
            note(f"indexing metadata only. {exc}")
    cancel = install_cancel_handler()
    for p in app.index(cancel, not args.no_embed, args.batch, args.workers):
        printer.show(p)
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_NO_MODEL if missing else EXIT_OK


def cmd_watch(args) -> int:
    """Keep the library current until Ctrl-C / SIGTERM (then exit 0: stopping is the plan)."""
    app = open_app()
    keeper = LibraryKeeper(app, rescan_seconds=args.rescan * 60, load_model=not args.no_embed)
    install_cancel_handler("stopping", on_cancel=keeper.stop)
    printer = ProgressPrinter()
    for event in keeper.run():
        if event.kind == "progress":
            printer.show(event.progress)
        elif event.message:
            printer.message(event.message)
    return EXIT_OK


def cmd_status(args) -> int:
    app = open_app()
    if args.model:
        with contextlib.suppress(ModelError):
            app.models.load_model()  # to say which runtime the audio encoder would use
    s = app.status()
    if args.json:
        print(json.dumps(s.to_json(), indent=2))
        return EXIT_OK
    print(f"Library folders ({len(s.roots)}):")
    for r in s.roots:
        state = "" if r.online else "  OFFLINE (`soundseek relocate` if it moved)"
        print(f"  {r.root.path}  [{r.root.id}] {r.files} files{state}")
    print(
        f"Files: {s.files} ({s.indexed} embedded, {s.pending} waiting for the model, "
        f"{len(s.errors)} unreadable)"
    )
    print(f"Windows: {s.windows} (ANN index: {'yes' if s.ann_index else 'no, exact search'})")
    state = "installed" if s.model.installed else "NOT on disk: `soundseek model info`"
    print(f"Model: {s.model.model} ({state})")
    if s.index_model and s.index_model != s.model.model:
        print(f"  the index holds vectors of {s.index_model}: `soundseek index` re-embeds")
    runtime = f", audio on {s.model.runtime}" if s.model.runtime else ""
    print(f"Device: {s.model.device}{runtime}")
    if s.index_runtimes:
        print(f"Index vectors made by: {', '.join(s.index_runtimes)} (all fidelity-gated)")
    shared = "shared library on object storage, " if s.location and s.location.shared else ""
    print(f"Store: {s.store_dir} ({shared}{human_bytes(s.store_bytes)}, schema "
          f"{s.schema_version})")  # fmt: skip
    if s.indexed_by:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.indexed_at))
        print(f"Last indexed: {when} by {s.indexed_by}")
    print(f"Log: {s.log_file}")
    if s.errors:
        print("Unreadable files:")
        for e in s.errors:
            print(f"  {e.path}: {e.reason}")
    return EXIT_OK
