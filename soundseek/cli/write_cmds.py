"""`soundseek write` and `soundseek undo`: metadata into the files, safely, and back out
(`undo` undoes the newest change of either kind: a write batch or a `dupes --apply`)."""

from __future__ import annotations

from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_ERROR,
    EXIT_OK,
    install_cancel_handler,
    json_line,
    open_app,
)


def action(o) -> str:
    """What happened (or, in a dry run, what would happen) to the file, in words."""
    if o.status == "planned":
        n = len(o.fields)
        return f"would write {n} field{'s' if n != 1 else ''}"
    if o.status == "unchanged":
        return "nothing to write"
    return {"written": "wrote", "refused": "refused"}.get(o.status, o.status)


def _line(o, dry: bool) -> str:
    verb = action(o) if dry else {"unchanged": "unchanged"}.get(o.status, action(o))
    out = [f"{verb:11s} {o.path}"]
    if o.new_path:
        out.append(f"{'':11s} -> {o.new_path}")
    if o.status in ("planned", "written") and dry:
        for k, v in o.fields.items():
            old = o.before.get(k)
            out.append(f"{'':11s}   {k}: {old!r} -> {v!r}" if old is not None else
                       f"{'':11s}   {k}: {v!r}")  # fmt: skip
    if o.reason:
        out.append(f"{'':11s}   ({o.reason})")
    return "\n".join(out)


def _json(o) -> str:
    return json_line({"path": o.path, "status": o.status, "new_path": o.new_path,
                      "reason": o.reason, "format": o.format, "fields": o.fields,
                      "before": o.before, "action": action(o)})  # fmt: skip


def _summary(counts: dict[str, int], dry: bool) -> str:
    if not dry:
        return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to write"
    words = {"planned": "would be written", "unchanged": "with nothing to write",
             "refused": "refused"}  # fmt: skip
    parts = [f"{n} file{'s' if n != 1 else ''} {words[k]}" for k, n in sorted(counts.items())
             if k in words]  # fmt: skip
    return f"dry run: {', '.join(parts) or 'nothing to write'}"


def cmd_write(args) -> int:
    """Exit 0: every chosen file written or already right; 1: some refused; 130: stopped."""
    app = open_app()
    cancel = install_cancel_handler("stopping after the current file")
    counts: dict[str, int] = {}
    for p in app.writes.write_metadata(args.paths or None, args.query, args.rename, args.dry_run,
                                cancel):  # fmt: skip
        o = p.outcome
        counts[o.status] = counts.get(o.status, 0) + 1
        print(_json(o) if args.json else _line(o, args.dry_run), flush=True)
    if not args.json:
        print(_summary(counts, args.dry_run))
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_ERROR if counts.get("refused") else EXIT_OK


def cmd_undo(args) -> int:
    """Undo the last change (a write batch or a `dupes --apply`). Exit 0: all restored; 1:
    some could not be."""
    batch_id, outcomes = open_app().changes.undo_last()
    for u in outcomes:
        if args.json:
            print(json_line({"path": u.path, "restored": u.restored, "reason": u.reason,
                             "batch": batch_id, "was": u.was}))  # fmt: skip
        else:
            print(f"{'restored' if u.restored else 'left':9s} {u.path}"
                  + (f"  ({u.reason})" if u.reason else ""))  # fmt: skip
    if not args.json:
        print(f"undid batch {batch_id}" if batch_id else "nothing to undo")
    failed = [u for u in outcomes if not u.restored and "never" not in u.reason]
    return EXIT_ERROR if failed else EXIT_OK
