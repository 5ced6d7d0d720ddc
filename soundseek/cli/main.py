"""Argument parsing and dispatch; exit codes are part of the interface."""

from __future__ import annotations

import argparse
import os
import sys

from soundseek import __version__
from soundseek.cli import library_cmds, model_cmds, search_cmds
from soundseek.cli.common import EXIT_ERROR, EXIT_LOCKED, EXIT_NO_MODEL, EXIT_USAGE, fail
from soundseek.core.errors import (
    ModelInvalid,
    ModelUnavailable,
    QuerySyntaxError,
    SoundSeekError,
    StoreLocked,
)

COMMANDS = {
    "add": library_cmds.cmd_add,
    "remove": library_cmds.cmd_remove,
    "index": library_cmds.cmd_index,
    "status": library_cmds.cmd_status,
    "search": search_cmds.cmd_search,
    "similar": search_cmds.cmd_similar,
    "model": model_cmds.cmd_model,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soundseek", description="Find sounds by describing them.")
    p.add_argument("--version", action="version", version=f"soundseek {__version__}")
    p.add_argument("--home", help="keep all SoundSeek data in this folder (like $SOUNDSEEK_HOME)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    a = sub.add_parser("add", help="add library folders")
    a.add_argument("paths", nargs="+")
    r = sub.add_parser("remove", help="remove library folders (their files leave the index)")
    r.add_argument("paths", nargs="+")
    i = sub.add_parser("index", help="scan library folders, read metadata, embed new audio")
    i.add_argument("--no-embed", action="store_true", help="metadata only (no model needed)")
    i.add_argument("--batch", type=int, default=8, help="windows per model call (default 8)")
    s = sub.add_parser("search", help="search by description, words and filters")
    s.add_argument("query", help="e.g. 'door creak -metal dur:<3s \"wood door\"'")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    m = sub.add_parser("similar", help="files that sound like FILE")
    m.add_argument("file")
    m.add_argument("--at", type=float, metavar="SECONDS", help="the moment inside FILE to match")
    m.add_argument("--limit", type=int, default=20)
    m.add_argument("--filter", default="", help="filters such as 'dur:<3s ch:1'")
    m.add_argument("--json", action="store_true")
    st = sub.add_parser("status", help="counts, errors with reasons, model, device, store size")
    st.add_argument("--json", action="store_true")
    mo = sub.add_parser("model", help="show, download, import or select the CLAP model")
    mo.add_argument("action", choices=["info", "download", "import", "use"])
    mo.add_argument("target", nargs="?", help="model id (download/use) or PATH (import)")
    mo.add_argument("--name", help="folder name for an imported model")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.home:
        os.environ["SOUNDSEEK_HOME"] = args.home
    if args.command is None:
        from soundseek.ui.app import main as gui_main

        return gui_main(sys.argv[:1])
    try:
        return COMMANDS[args.command](args)
    except QuerySyntaxError as exc:
        return fail(str(exc), EXIT_USAGE)
    except (ModelUnavailable, ModelInvalid) as exc:
        return fail(str(exc), EXIT_NO_MODEL)
    except StoreLocked as exc:
        return fail(str(exc), EXIT_LOCKED)
    except SoundSeekError as exc:
        return fail(str(exc), EXIT_ERROR)
