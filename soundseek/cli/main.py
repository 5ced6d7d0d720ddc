"""Argument parsing and dispatch; exit codes and `--json` keys are part of the interface.

This is the CLI's error boundary: SoundSeek's own errors become a one-line message and an exit
code; anything else is a bug, logged with its traceback, reported in one line. Never a
traceback on the terminal.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from soundseek import __version__
from soundseek.cli import argtypes
from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_ERROR,
    EXIT_LOCKED,
    EXIT_NO_MODEL,
    EXIT_USAGE,
    fail,
    tolerant_stdout,
)
from soundseek.cli.dupes_args import add_dupes_command
from soundseek.cli.model_cmds import HELP as MODEL_HELP
from soundseek.cli.transfer_args import add_transfer_commands
from soundseek.errors import (
    DISK_FULL_MESSAGE,
    ClusterError,
    CopiesOptionError,
    LocationError,
    ModelError,
    QuerySyntaxError,
    RootError,
    SoundSeekError,
    StoreLocked,
    TransferOptionError,
    disk_full,
)

# command → "module:function", imported when run: `soundseek search` must not pay for
# the watcher, the writer and the cluster modules (~0.15 s of an instant search).
COMMANDS = {
    "add": "library_cmds:cmd_add",
    "remove": "library_cmds:cmd_remove",
    "relocate": "library_cmds:cmd_relocate",
    "index": "library_cmds:cmd_index",
    "watch": "library_cmds:cmd_watch",
    "status": "library_cmds:cmd_status",
    "search": "search_cmds:cmd_search",
    "similar": "search_cmds:cmd_similar",
    "model": "model_cmds:cmd_model",
    "tag": "tag_cmds:cmd_tag",
    "tags": "tag_cmds:cmd_tags",
    "suggest": "tag_cmds:cmd_suggest",
    "write": "write_cmds:cmd_write",
    "undo": "write_cmds:cmd_undo",
    "location": "team_cmds:cmd_location",
    "root": "team_cmds:cmd_root",
    "cluster": "team_cmds:cmd_cluster",
    "transfer": "transfer_cmds:cmd_transfer",
    "transfers": "transfer_cmds:cmd_transfers",
    "spot": "transfer_cmds:cmd_spot",
    "dupes": "dupes_cmds:cmd_dupes",
}
PRECISIONS = ("auto", "int8", "fp32", "fp16")  # the `precision` setting's values
EXIT_BROKEN_PIPE = 141  # what a process killed by SIGPIPE reports, like other Unix tools
EXIT_CODES = (
    (QuerySyntaxError, EXIT_USAGE),
    (RootError, EXIT_USAGE),
    (LocationError, EXIT_USAGE),
    (TransferOptionError, EXIT_USAGE),
    (CopiesOptionError, EXIT_USAGE),
    (ModelError, EXIT_NO_MODEL),
    (StoreLocked, EXIT_LOCKED),
    (ClusterError, EXIT_ERROR),
    (SoundSeekError, EXIT_ERROR),
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soundseek", description="Find sounds by describing them.")
    p.add_argument("--version", action="version", version=f"soundseek {__version__}")
    p.add_argument("--home", help="keep all SoundSeek data in this folder (like $SOUNDSEEK_HOME)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _library_commands(sub)
    _search_commands(sub)
    st = sub.add_parser("status", help="counts, errors with reasons, model, device, store size")
    st.add_argument("--json", action="store_true")
    st.add_argument("--model", action="store_true", help="load the model to report its runtime")
    mo = sub.add_parser(
        "model",
        help="show, download, import or select the CLAP model",
        epilog=MODEL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mo.add_argument("action", choices=["info", "download", "import", "use"])
    mo.add_argument("target", nargs="?", help="model id (download/use) or PATH (import)")
    mo.add_argument("--name", help="folder name for an imported model")
    tg = sub.add_parser("tag", help="your own tags on files: add, remove, list (`tag:` filter)")
    tg.add_argument("action", choices=["add", "remove", "reject", "list"])
    tg.add_argument("tag", nargs="?", default="", help="the tag (add/remove)")
    tg.add_argument("paths", nargs="*", help="files (list: their tags; none: every tag)")
    tg.add_argument("--json", action="store_true", help="one JSON object per line")
    sg = sub.add_parser("suggest", help="top-3 UCS categories of files, from what they sound like")
    sg.add_argument("paths", nargs="*", help="files (default: every indexed file)")
    sg.add_argument("--json", action="store_true", help="one JSON object per file")
    sg.add_argument("--accept", action="store_true", help="accept each file's top suggestion")
    sg.add_argument("--min-confidence", type=float, default=0.0, metavar="C",
                    help="with --accept: only this confident or more (0-1)")  # fmt: skip
    ts = sub.add_parser("tags", help="learned tags: `tags suggest TAG` (needs 3 tagged files)")
    ts.add_argument("action", choices=["suggest"])
    ts.add_argument("tag")
    ts.add_argument("--limit", type=int, default=20)
    ts.add_argument("--json", action="store_true", help="one JSON object per line")
    _write_commands(sub)
    add_transfer_commands(sub)
    add_dupes_command(sub)
    _team_commands(sub)
    return p


def _team_commands(sub) -> None:
    lo = sub.add_parser("location", help="where the library is: local, or s3://bucket/prefix")
    lo_sub = lo.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = lo_sub.add_parser("set", help="use a library location (credentials: AWS environment)")
    ls.add_argument("uri", help="'local' (this home's own index) or s3://bucket/prefix")
    ls.add_argument("--endpoint", help="an S3-compatible store's URL (MinIO, Ceph, a NAS)")
    ls.add_argument("--region", help="the bucket's region")
    sh = lo_sub.add_parser("show", help="the library location and this machine's mount points")
    sh.add_argument("--json", action="store_true")
    ro = sub.add_parser("root", help="a library folder on this machine: `root map ROOT PATH`")
    ro.add_argument("action", choices=["map"])
    ro.add_argument("root", help="the folder's id (see `soundseek status`) or stored path")
    ro.add_argument("path", help="where this machine has it, e.g. /Volumes/SFX or \\\\nas\\SFX")
    ro.add_argument("--force", action="store_true", help="map even if no file is found there")
    cl = sub.add_parser("cluster", help="`cluster index`: embed on a Ray cluster")
    cl.add_argument("action", choices=["index"])
    cl.add_argument("--address", help="ray://host:10001 or auto (default: a local Ray here)")
    cl.add_argument("--actors", type=int, default=0,
                    help="actors (default: one per GPU, else one per two CPUs)")  # fmt: skip
    cl.add_argument("--gpus-per-actor", type=float, default=None, metavar="N")
    cl.add_argument("--chunk", type=int, default=16, help="files per actor call (default 16)")
    cl.add_argument("--local-cpus", type=int, default=None, metavar="N",
                    help="CPUs of the local Ray started when no --address is given")  # fmt: skip


def _write_commands(sub) -> None:
    wr = sub.add_parser("write", help="write accepted categories and tags into the files")
    wr.add_argument("paths", nargs="*", help="files (default: every file with something to write)")
    wr.add_argument("--query", help="write the files a search finds, e.g. 'tag:keeper'")
    wr.add_argument("--rename", action="store_true",
                    help="also rename to CatID_FXName_CreatorID_SourceID (UCS)")  # fmt: skip
    wr.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    wr.add_argument("--json", action="store_true", help="one JSON object per file")
    un = sub.add_parser("undo", help="undo the last change: a `write` batch, byte for byte, "
                        "or a `dupes --apply`")  # fmt: skip
    un.add_argument("--json", action="store_true", help="one JSON object per file")


def _library_commands(sub) -> None:
    a = sub.add_parser("add", help="add library folders")
    a.add_argument("paths", nargs="+")
    r = sub.add_parser("remove", help="remove library folders (their files leave the index)")
    r.add_argument("paths", nargs="+", help="folder path or id (see `soundseek status`)")
    mv = sub.add_parser(
        "relocate", help="re-point a library folder that moved (keeps every vector)"
    )
    mv.add_argument("old", help="the folder's old path (or its id)")
    mv.add_argument("new", help="where it is now")
    mv.add_argument("--force", action="store_true", help="re-point even if no file is found")
    i = sub.add_parser("index", help="scan library folders, read metadata, embed new audio")
    i.add_argument("--no-embed", action="store_true", help="metadata only (no model needed)")
    i.add_argument("--batch", type=argtypes.count_or_default, default=None,
                   help="windows per model call (default 8)")  # fmt: skip
    i.add_argument(
        "--workers",
        type=argtypes.count_or_default,
        default=None,
        help="decoder processes (default: one per core, at a lower priority than the model; "
        "or the `index_workers` setting)",
    )
    i.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="the audio encoder's precision for this run (default: the `precision` "
                   "setting, auto: int8 on the CPU where the model's fidelity gate passes, "
                   "else fp32)")  # fmt: skip
    w = sub.add_parser("watch", help="keep the library current until stopped (Ctrl-C)")
    w.add_argument("--no-embed", action="store_true", help="metadata only (no model needed)")
    w.add_argument(
        "--rescan",
        type=argtypes.interval,
        default=10.0,
        metavar="MINUTES",
        help="full rescan interval, for drives that report no changes (default 10)",
    )


def _search_commands(sub) -> None:
    s = sub.add_parser("search", help="search by description, words and filters")
    s.add_argument("query", help="e.g. 'door creak -metal dur:<3s \"wood door\"'")
    s.add_argument("--limit", type=argtypes.count, default=20)
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    _feedback_flags(s)
    m = sub.add_parser("similar", help="files that sound like FILE")
    m.add_argument("file")
    m.add_argument("--at", type=float, metavar="SECONDS", help="the moment inside FILE to match")
    m.add_argument("--limit", type=argtypes.count, default=20)
    m.add_argument("--filter", default="", help="filters such as 'dur:<3s ch:1'")
    m.add_argument("--json", action="store_true")
    m.add_argument("--plus", default="", metavar="TEXT",
                   help="move the sound toward this description ('more distant')")  # fmt: skip
    m.add_argument("--minus", default="", metavar="TEXT",
                   help="move the sound away from this description ('reverb')")  # fmt: skip
    _feedback_flags(m)
    for p in (s, m):
        p.add_argument("--min-confidence", type=_fraction, default=0.0, metavar="C",
                       help="only hits at least this sure (0-1; the `confidence` key)")  # fmt: skip
        p.add_argument("--all-copies", action="store_true",
                       help="every copy of a sound as its own row (default: one row per "
                            "sound, the others under `copies`)")  # fmt: skip


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 1")
    return value


def _feedback_flags(p) -> None:
    p.add_argument("--good", action="append", default=[], metavar="FILE",
                   help="a hit that is what you want: rank toward it (repeatable)")  # fmt: skip
    p.add_argument("--bad", action="append", default=[], metavar="FILE",
                   help="a hit that is not: rank away from it, drop it (repeatable)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.home:
        os.environ["SOUNDSEEK_HOME"] = args.home
    if args.command is None:
        from soundseek.ui.launch import main as gui_main

        return gui_main(sys.argv[:1])
    _start_logging()
    tolerant_stdout()
    try:
        return _command(args.command)(args)
    except SoundSeekError as exc:
        code = next(c for kind, c in EXIT_CODES if isinstance(exc, kind))
        return fail(str(exc), code)
    except KeyboardInterrupt:
        return fail("aborted", EXIT_CANCELLED)
    except BrokenPipeError:  # `soundseek search x | head -1`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if disk_full(exc):
            return fail(DISK_FULL_MESSAGE, EXIT_ERROR)
        logging.getLogger("soundseek.cli").exception("`soundseek %s` failed", args.command)
        return fail(f"unexpected error: {type(exc).__name__}: {exc} (details in {_log_file()})")


def _command(name: str):
    module, func = COMMANDS[name].split(":")
    return getattr(importlib.import_module(f"soundseek.cli.{module}"), func)


def _start_logging() -> None:
    from soundseek.app.logs import setup_logging
    from soundseek.paths import app_paths

    setup_logging(app_paths())


def _log_file() -> str:
    from soundseek.paths import app_paths

    return str(app_paths().log_file)
