"""Small shared steps for indexer and search tests, driven through the application layer."""

from __future__ import annotations

import json
from pathlib import Path

from soundseek.app import App
from soundseek.index.store import Store


def index(paths, roots, embedder=None, cancel=None, batch_size=None):
    """Register the roots (those not yet known) and run one index to completion; returns the
    progress events. `embedder` stands in for the loaded model (None: metadata only)."""
    app = App.open(paths)
    known = {r.path for r in app.roots.all()}
    for r in roots:
        if str(r) not in known:
            app.roots.add_root(str(r))
    app.models.embedder = embedder
    return list(app.index(cancel, embed=embedder is not None, batch_size=batch_size))


def app_with(paths, embedder=None) -> App:
    """The application for a test home, with `embedder` standing in for the loaded model."""
    app = App.open(paths)
    app.models.embedder = embedder
    return app


def rows_by_name(paths) -> dict:
    """Every stored file record by file name."""
    return {r.filename: r for r in Store(paths.store_dir).records()}


def run_json(capsys, *argv: str) -> list[dict]:
    """`soundseek ARGV` (it must succeed): its JSON lines."""
    from soundseek.cli import main

    capsys.readouterr()
    rc = main(list(argv))
    out = capsys.readouterr()
    assert rc == 0, (argv, out.err)
    return [json.loads(line) for line in out.out.splitlines()]


def use_home_of(files: dict[str, list[str]], monkeypatch) -> Path:
    """A class library's home (tinyclap.index_class_library) as this test's SOUNDSEEK_HOME."""
    home = Path(next(iter(files.values()))[0]).parents[1] / "home"
    monkeypatch.setenv("SOUNDSEEK_HOME", str(home))
    return home
