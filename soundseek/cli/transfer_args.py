"""The arguments of `transfer`, `transfers` and `spot` (parsed before anything heavy loads)."""

from __future__ import annotations

import argparse

from soundseek.cli import argtypes

BITS = ("16", "24", "32", "32f", "keep")


def rate(text: str) -> int | str:
    """48000, 48k, 48, 44.1k or keep."""
    t = text.strip().lower()
    if t == "keep":
        return "keep"
    try:
        value = float(t[:-1]) * 1000 if t.endswith("k") else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a sample rate (48000, 48k, keep)"
        ) from None
    return round(value * 1000) if value < 1000 else round(value)


def _render_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help="DAW preset: keep, protools, nuendo, reaper, logic, ardour "
                                    "(default: the one chosen in the app)")  # fmt: skip
    p.add_argument("--region", help="START-END in seconds, e.g. 1.5-3.2")
    p.add_argument("--rate", type=rate, help="sample rate: 44.1k ... 192k, or keep")
    p.add_argument("--bits", choices=BITS, help="bit depth (32f: float)")
    p.add_argument("--format", choices=("wav", "aiff"), help="file format (default wav)")
    p.add_argument("--channels", choices=("keep", "mono", "split"),
                   help="keep, sum to mono, or split into mono files")  # fmt: skip
    p.add_argument("--handles", type=argtypes.count_or_default, metavar="MS",
                   help="extra audio around a region, in ms")  # fmt: skip
    p.add_argument("--fade", type=argtypes.count_or_default, metavar="MS",
                   help="fades on a region's edges, in ms (default 2)")  # fmt: skip
    p.add_argument("--semitones", type=float, help="varispeed: pitch and speed together")
    p.add_argument("--reverse", action="store_true", default=None, help="reversed")
    p.add_argument("--name", metavar="TEMPLATE",
                   help="e.g. '{CatID}_{FXName}_{CreatorID}_{SourceID}'; fields: FXName CatID "
                        "CreatorID SourceID name take start end preset")  # fmt: skip
    p.add_argument("--to", metavar="DIR", help="destination folder (default: the transfer folder)")
    p.add_argument("--no-metadata", action="store_true", help="do not embed metadata in the copy")
    p.add_argument("--json", action="store_true", help="one JSON object per file")


def add_transfer_commands(sub) -> None:
    tr = sub.add_parser("transfer", help="render files (or a region) for a DAW: rate, bits, "
                                         "format, name, metadata")  # fmt: skip
    tr.add_argument("paths", nargs="*", help="audio files")
    tr.add_argument("--again", metavar="ID", help="repeat a transfer from `soundseek transfers`")
    _render_flags(tr)
    ts = sub.add_parser("transfers", help="the transfer history, newest first")
    ts.add_argument("--limit", type=argtypes.count, default=50, help="how many (default 50)")
    ts.add_argument("--reveal", metavar="ID", help="print the folder a transfer went to")
    ts.add_argument("--json", action="store_true", help="one JSON object per transfer")
    sp = sub.add_parser("spot", help="transfer at the session's format and spot it into Pro Tools")
    sp.add_argument("path", help="an audio file")
    sp.add_argument("--region", help="START-END in seconds")
    sp.add_argument("--at", metavar="TIMECODE",
                    help="HH:MM:SS:FF (default: the edit cursor or selection start)")  # fmt: skip
    sp.add_argument("--track", help="spot onto this track (default: a new track)")
    sp.add_argument("--daw", choices=("protools",), default="protools", help="protools")
    sp.add_argument("--json", action="store_true", help="one JSON object")
