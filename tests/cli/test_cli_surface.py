"""The CLI's promise to scripts: no command, flag or `--json` key that was there goes away.
The recorded surface is tests/cli/cli_surface.json; `SOUNDSEEK_RECORD_SURFACE=1 pytest
tests/cli/test_cli_surface.py` re-records it after an intended addition."""

from __future__ import annotations

import json
import os
from pathlib import Path

from soundseek.cli import main
from soundseek.cli.main import build_parser
from tests.cli.surface import flags, keys_of

RECORDED = Path(__file__).with_name("cli_surface.json")


def _json_lines(capsys, *argv: str) -> list[dict]:
    capsys.readouterr()
    assert main(list(argv)) == 0, argv
    out = capsys.readouterr().out
    try:
        return [json.loads(out)]  # one document (status)
    except json.JSONDecodeError:
        return [json.loads(line) for line in out.splitlines()]  # JSON lines


def _json_keys(library, capsys) -> dict[str, list[str]]:
    door = str(library["door"])
    assert main(["add", str(library["door"].parents[1])]) == 0
    assert main(["index"]) == 0
    assert main(["tag", "add", "keeper", door]) == 0
    return {
        "search": keys_of(_json_lines(capsys, "search", "door creak", "--json")),
        "status": keys_of(_json_lines(capsys, "status", "--json")),
        "suggest": keys_of(_json_lines(capsys, "suggest", door, "--json")),
        "write --dry-run": keys_of(_json_lines(capsys, "write", "--dry-run", "--json")),
        "transfer": keys_of(_json_lines(capsys, "transfer", door, "--preset=protools", "--json")),
        "transfers": keys_of(_json_lines(capsys, "transfers", "--json")),
        "dupes": keys_of(_json_lines(capsys, "dupes", "--level", "identical", "--json")),
        "dupes --apply --dry-run": keys_of(
            _json_lines(
                capsys, "dupes", "--level", "identical", "--apply", "hide", "--dry-run", "--json"
            )
        ),
    }


def test_no_command_flag_or_json_key_goes_away(home, library, installed_tiny, capsys):
    now = {"flags": flags(build_parser()), "json": _json_keys(library, capsys)}
    if os.environ.get("SOUNDSEEK_RECORD_SURFACE"):
        RECORDED.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    before = json.loads(RECORDED.read_text())
    gone = {
        f"{part} {name}": sorted(set(names) - set(now[part].get(name, [])))
        for part in ("flags", "json")
        for name, names in before[part].items()
    }
    assert not {k: v for k, v in gone.items() if v}, "scripts rely on these"
    assert all(before["json"].values()), "every pinned command printed JSON"
