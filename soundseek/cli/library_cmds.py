"""Library commands: add/remove folders, index them, report status."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_NO_MODEL,
    EXIT_OK,
    EXIT_USAGE,
    context,
    fail,
    human_bytes,
    human_seconds,
    install_cancel_handler,
)
from soundseek.core import models
from soundseek.core.errors import ModelUnavailable
from soundseek.core.indexer import IndexOptions, IndexProgress, run_index
from soundseek.core.settings import save_settings
from soundseek.core.store import WINDOWS, Store


def cmd_add(args) -> int:
    paths, settings = context()
    for p in args.paths:
        if not Path(p).is_dir():
            return fail(f"{p} is not a folder", EXIT_USAGE)
        added = settings.add_root(p)
        print(("added " if added else "already in the library: ") + str(Path(p).resolve()))
    save_settings(paths, settings)
    print("next: `soundseek index`")
    return EXIT_OK


def cmd_remove(args) -> int:
    paths, settings = context()
    for p in args.paths:
        if not settings.remove_root(p):
            return fail(f"{p} is not a library folder", EXIT_USAGE)
    save_settings(paths, settings)
    print("removed; `soundseek index` drops its files from the index")
    return EXIT_OK


class ProgressPrinter:
    """One updating line on a terminal; a line every few seconds when piped."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.phase = ""
        self.last = 0.0
        self.unshown: IndexProgress | None = None

    def show(self, p: IndexProgress) -> None:
        changed = p.phase != self.phase
        if changed and self.unshown is not None and not self.tty:
            self._line(self._format(self.unshown))  # a phase's final state, never skipped
            self.unshown = None
        if p.message:
            self._line(p.message, final=True)
            return
        now = time.monotonic()
        if changed and self.phase and self.tty:
            self.stream.write("\n")
        self.phase = p.phase
        if not (self.tty or changed or now - self.last > 5 or p.phase in ("done", "cancelled")):
            self.unshown = p
            return
        self.last, self.unshown = now, None
        self._line(self._format(p), final=p.phase in ("done", "cancelled"))

    def _format(self, p: IndexProgress) -> str:
        if p.phase == "scan":
            return f"scanning: {p.files_done} audio files found"
        if p.phase == "metadata":
            return f"metadata: {p.files_done}/{p.files_total} files, {p.errors} unreadable"
        if p.phase == "embed":
            eta = f", ETA {human_seconds(p.eta_seconds)}" if p.eta_seconds is not None else ""
            return (
                f"embedding: {p.files_done}/{p.files_total} files, "
                f"{p.audio_seconds / 3600:.2f} h audio, {p.rate:.1f} files/s{eta}, "
                f"{p.errors} errors"
            )
        return f"{p.phase} after {human_seconds(p.elapsed)}; {p.errors} unreadable files"

    def _line(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def cmd_index(args) -> int:
    paths, settings = context()
    if not settings.library_roots:
        return fail("no library folders yet: `soundseek add PATH` first", EXIT_USAGE)
    embedder, missing = None, None
    if not args.no_embed:
        try:
            embedder = models.load_embedder(
                paths, settings.model, settings.device, settings.torch_threads
            )
        except ModelUnavailable as exc:
            missing = str(exc)
            print(f"soundseek: indexing metadata only. {missing}", file=sys.stderr)
    cancel = install_cancel_handler()
    opts = IndexOptions(settings.library_roots, settings.exclusions, args.batch, cancel)
    printer = ProgressPrinter()
    with Store(paths.store_dir, writable=True) as store:
        for p in run_index(store, opts, embedder):
            printer.show(p)
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_NO_MODEL if missing else EXIT_OK


def _status(paths, settings) -> dict:
    store = Store(paths.store_dir)
    folder = models.model_dir(paths, settings.model)
    errors = store.files("status = 'error'", ["path", "error"])
    from soundseek.core.embedder import resolve_device

    return {
        "library_roots": settings.library_roots,
        "files": store.count(),
        "indexed": store.count(where="status = 'indexed'"),
        "pending": store.count(where="status = 'pending'"),
        "unreadable": len(errors),
        "windows": store.count(WINDOWS),
        "ann_index": store.has_ann(),
        "model": settings.model,
        "model_installed": models.is_installed(folder),
        "model_dir": str(folder),
        "index_model": store.info.model_id,
        "index_dim": store.info.dim,
        "device": resolve_device(settings.device),
        "store_dir": str(paths.store_dir),
        "store_bytes": store.size_bytes(),
        "errors": [{"path": e["path"], "reason": e["error"]} for e in errors],
    }


def cmd_status(args) -> int:
    paths, settings = context()
    s = _status(paths, settings)
    if args.json:
        print(json.dumps(s, indent=2))
        return EXIT_OK
    print(f"Library folders ({len(s['library_roots'])}):")
    for r in s["library_roots"]:
        print(f"  {r}")
    print(
        f"Files: {s['files']} ({s['indexed']} embedded, {s['pending']} waiting for the model, "
        f"{s['unreadable']} unreadable)"
    )
    print(f"Windows: {s['windows']} (ANN index: {'yes' if s['ann_index'] else 'no, exact search'})")
    state = "installed" if s["model_installed"] else "NOT on disk: `soundseek model info`"
    print(f"Model: {s['model']} ({state})")
    if s["index_model"] and s["index_model"] != s["model"]:
        print(f"  the index holds vectors of {s['index_model']}: `soundseek index` re-embeds")
    print(f"Device: {s['device']}")
    print(f"Store: {s['store_dir']} ({human_bytes(s['store_bytes'])})")
    if s["errors"]:
        print("Unreadable files:")
        for e in s["errors"]:
            print(f"  {e['path']}: {e['reason']}")
    return EXIT_OK
