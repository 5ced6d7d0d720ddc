"""`soundseek dupes`: copies of one sound, the keeper marked; with `--apply`, the others
hidden, trashed or moved (journaled: `soundseek undo` puts them back).

Exit codes: 0 done (or nothing to do), 1 some files refused, 2 a usage error (an unknown
action, a move without its folder), 130 stopped by Ctrl-C.
"""

from __future__ import annotations

import os
import sys

from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    fail,
    human_bytes,
    install_cancel_handler,
    json_line,
    note,
    open_app,
    short_duration,
)
from soundseek.cli.dupes_args import ACTIONS

_DONE = {"hide": "hidden", "trash": "trashed", "move": "moved"}
_WOULD = {"hide": "would hide", "trash": "would trash", "move": "would move"}


def _apply_args(args) -> tuple[str, str] | None:
    """(action, folder) from `--apply ACTION [DIR]`; None when it makes no sense (said)."""
    action, rest = args.apply[0], args.apply[1:]
    if action not in ACTIONS:
        fail(f"--apply takes {', '.join(ACTIONS)}, not {action!r}", EXIT_USAGE)
        return None
    if action == "move" and len(rest) != 1:
        fail("--apply move needs one folder to move the copies to: --apply move DIR", EXIT_USAGE)
        return None
    if action != "move" and rest:
        fail(f"--apply {action} takes no folder (only move does)", EXIT_USAGE)
        return None
    return action, rest[0] if rest else ""


def _describe(f) -> str:
    parts = [f.format or "", f"{f.samplerate} Hz" if f.samplerate else "",
             f"{f.bit_depth}-bit" if f.bit_depth else "",
             f"{f.channels} ch" if f.channels else "",
             short_duration(f.duration) if f.duration else ""]  # fmt: skip
    return " ".join(p for p in parts if p)


def _print_group(i: int, total: int, g) -> None:
    print(f"group {i} of {total} · {g.level} · {len(g.copies)} files")
    for c in g.copies:
        if c.keeper:
            print(f"  keep  {c.path}  [{_describe(c.file)}]")
            continue
        how = c.level if c.offset_s is None else f"{c.level} at {c.offset_s:.2f}s"
        print(f"  copy  {c.path}  ({how}; {_describe(c.file)})")


def _show(groups, as_json: bool) -> None:
    if as_json:
        for g in groups:
            print(json_line(g.to_json()))
        return
    for i, g in enumerate(groups, 1):
        _print_group(i, len(groups), g)
    copies = sum(len(g.others) for g in groups)
    size = sum(c.file.size or 0 for g in groups for c in g.others)
    print(f"{len(groups)} group{'s' if len(groups) != 1 else ''}, {copies} "
          f"cop{'ies' if copies != 1 else 'y'} ({human_bytes(size)} besides the keepers)"
          if groups else "no copies found")  # fmt: skip


def _outcome_line(o, dry: bool) -> str:
    if o.status == "refused":
        return f"refused   {o.path}  ({o.reason})"
    verb = (_WOULD if dry else _DONE)[o.action]
    return f"{verb:11s} {o.path}" + (f" -> {o.new_path}" if o.new_path else "")


def _apply(app, groups, action: str, dest: str, args) -> int:
    cancel = install_cancel_handler("stopping after the current file")
    counts: dict[str, int] = {}
    batch = ""
    for o in app.copies.apply(action, groups, dest or None, args.dry_run, cancel):
        counts[o.status] = counts.get(o.status, 0) + 1
        batch = o.batch or batch
        if args.json:
            print(json_line({"path": o.path, "action": o.action, "status": o.status,
                             "new_path": o.new_path, "reason": o.reason, "group": o.group,
                             "batch": o.batch}), flush=True)  # fmt: skip
        else:
            print(_outcome_line(o, args.dry_run), flush=True)
    if not args.json:
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no copies"
        print(f"dry run: {summary}" if args.dry_run else summary)
        if batch and counts.get("done"):
            print("undo with `soundseek undo`")
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_ERROR if counts.get("refused") else EXIT_OK


def cmd_dupes(args) -> int:
    """Groups of copies; `--export` writes them to a file; `--apply` acts on them."""
    applied = _apply_args(args) if args.apply else ("", "")
    if applied is None:
        return EXIT_USAGE
    if args.dry_run and not args.apply:
        return fail("--dry-run goes with --apply", EXIT_USAGE)
    app = open_app()
    paths = [os.path.abspath(p) for p in args.paths] or None
    groups = app.copies.groups(paths, args.level)
    if args.export:
        rows = app.copies.export(groups, args.export)
        note(f"exported {rows} files of {len(groups)} groups to {args.export}")
    if not args.apply:
        _show(groups, args.json)
        return EXIT_OK
    if not groups and not args.json:
        print("no copies found", file=sys.stderr)
    return _apply(app, groups, *applied, args)
