"""`soundseek transfer`, `transfers` and `spot`: sounds onto a DAW's timeline, scriptable."""

from __future__ import annotations

import time

from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    fail,
    install_cancel_handler,
    json_line,
    open_app,
)


def _flags(args) -> dict[str, object]:
    """Only what was given: an unset flag keeps the preset's value."""
    rate = args.rate
    return {
        "rate": None if rate is None else (0 if rate == "keep" else rate),
        "bits": args.bits, "format": args.format, "channels": args.channels,
        "handles_ms": args.handles, "fade_ms": args.fade, "semitones": args.semitones,
        "reverse": args.reverse, "name": args.name, "folder": args.to,
        "metadata": False if args.no_metadata else None,
    }  # fmt: skip


def _status(done) -> str:
    return "original" if done.original else ("reused" if done.reused else "transferred")


def _shape(done) -> str:
    bits = "32-bit float" if done.bits == "32f" else f"{done.bits}-bit"
    return f"{done.rate / 1000:g} kHz/{bits}, {done.channels} ch, {done.format.upper()}"


def _print(p, as_json: bool, preset: str) -> None:
    done = p.result
    if as_json:
        if done is None:
            print(json_line({"source": p.source, "status": "refused", "reason": p.error,
                             "outputs": []}), flush=True)  # fmt: skip
            return
        print(json_line({"source": p.source, "status": _status(done), "reason": "",
                         "outputs": list(done.outputs), "rate": done.rate, "bits": done.bits,
                         "channels": done.channels, "frames": done.frames,
                         "format": done.format, "key": done.key, "preset": preset}),
              flush=True)  # fmt: skip
    elif done is None:
        print(f"refused     {p.error}", flush=True)
    else:
        print(f"{_status(done):11s} {p.source}\n{'':11s} -> {', '.join(done.outputs)}"
              f"  ({_shape(done)})", flush=True)  # fmt: skip


def cmd_transfer(args) -> int:
    """Exit 0: every file transferred; 1: some refused; 2: a bad option; 130: stopped."""
    app = open_app()
    if args.again:
        return _again(app, args)
    if not args.paths:
        return fail("name the files to transfer (or --again ID)", EXIT_USAGE)
    xf = app.transfers
    preset = args.preset or xf.active_preset
    options = xf.options(args.preset, **_flags(args))
    region = xf.parse_region(args.region) if args.region else None
    cancel = install_cancel_handler("stopping after the current file")
    refused = 0
    for p in xf.transfer(args.paths, options, region, preset, cancel):
        refused += p.result is None
        _print(p, args.json, preset)
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_ERROR if refused else EXIT_OK


def _again(app, args) -> int:
    done = app.transfers.retransfer(args.again)

    class _P:
        source, result, error = done.source, done, ""

    _print(_P, args.json, "")
    return EXIT_OK


def cmd_transfers(args) -> int:
    """The history, newest first; `--reveal ID` prints where that transfer went."""
    records = app_records = open_app().transfers.records()
    if args.reveal:
        rec = next((r for r in app_records if r.id == args.reveal), None)
        if rec is None:
            return fail(f"no transfer {args.reveal} in the history", EXIT_USAGE)
        print(rec.folder)
        return EXIT_OK
    for rec in list(reversed(records))[: args.limit]:
        outputs = [o.path for o in rec.outputs]
        if args.json:
            print(json_line({"id": rec.id, "when": rec.when, "source": rec.source,
                             "region": list(rec.region) if rec.region else None,
                             "preset": rec.preset, "outputs": outputs, "rate": rec.rate,
                             "bits": rec.bits, "channels": rec.channels, "format": rec.format,
                             "reused": rec.reused, "options": rec.options}))  # fmt: skip
        else:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.when))
            print(f"{rec.id}  {when}  {rec.preset or '-':9s} {rec.source}\n"
                  f"{'':31s}-> {', '.join(outputs)}")  # fmt: skip
    if not records and not args.json:
        print("no transfers yet")
    return EXIT_OK


def cmd_spot(args) -> int:
    """Exit 0: spotted; 1: Pro Tools could not take it (not running, too old, refused)."""
    xf = open_app().transfers
    region = xf.parse_region(args.region) if args.region else None
    span = (region.start, region.end) if region else None
    done = xf.spot([args.path], span, args.at, args.track)
    if args.json:
        print(json_line({"source": args.path, "timecode": done.timecode,
                         "tracks": list(done.tracks),
                         "files": list(done.files), "new_tracks": done.new_tracks}))  # fmt: skip
    else:
        where = "new track" if done.new_tracks else "track"
        print(f"spotted     {args.path}\n{'':11s} at {done.timecode} on {where} "
              f"{', '.join(done.tracks)}: {', '.join(done.files)}")  # fmt: skip
    return EXIT_OK
