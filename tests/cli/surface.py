"""What scripts rely on in the CLI, read from the parser and from JSON output: every command's
flags, and the key paths of the `--json` documents people parse (tests/cli/test_cli_surface.py)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable


def flags(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, list[str]]:
    """Each command path ("", "search", "location set") -> its option strings and positionals."""
    names: list[str] = []
    found: dict[str, list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(flags(sub, f"{prefix} {name}".strip()))
        elif action.option_strings:
            names.extend(action.option_strings)
        else:
            names.append(action.dest)
    found[prefix] = sorted(names)
    return found


def key_paths(value: object, prefix: str = "") -> set[str]:
    """Every key path in a JSON value: `errors[].reason` for a list of objects."""
    if isinstance(value, dict):
        paths = set()
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths |= {path} | key_paths(inner, path)
        return paths
    if isinstance(value, list):
        return set().union(*(key_paths(v, prefix + "[]") for v in value)) if value else set()
    return set()


def keys_of(lines: Iterable[dict]) -> list[str]:
    return sorted(set().union(*(key_paths(line) for line in lines)))
