"""The layering holds at run time too: everything but the GUI imports without Qt or audio
devices, and the shells hold no SQL. (Static contracts: `lint-imports`, see pyproject.toml.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "soundseek"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "sounddevice", "shiboken6")
GUI = "ui"
SQL = re.compile(r"\b(LIKE|SELECT|WHERE|strpos)\b|status\s*!?=\s*'|\bIN\s*\(")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _headless_packages() -> list[str]:
    """Every package but the GUI's, found rather than listed: a new package is covered."""
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py") if p.parent.name != GUI)


def _headless_modules() -> list[Path]:
    top = [p for p in PACKAGE.glob("*.py") if p.name != "__main__.py"]
    return top + [p for pkg in _headless_packages() for p in (PACKAGE / pkg).rglob("*.py")]


def test_every_package_but_the_gui_is_checked_headless():
    assert {"app", "cli", "cluster", "classify", "index", "ingest", "words", "writing"} <= set(
        _headless_packages()
    )


def test_no_qt_import_in_headless_sources():
    files = _headless_modules()
    assert len(files) > 30, "the packages were not found"
    offenders = {str(p.relative_to(PACKAGE)): sorted(_imports(p) & set(FORBIDDEN)) for p in files}
    offenders.pop("cli/main.py")  # imports soundseek.ui lazily, to open the window
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_headless_module_loads_no_qt():
    mods = [
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in _headless_modules()
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_sql_text_in_the_shells():
    shells = [p for pkg in ("ui", "cli") for p in (PACKAGE / pkg).rglob("*.py")]
    hits = [
        f"{p.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for p in shells
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if SQL.search(line) and not line.lstrip().startswith("#")
    ]
    assert hits == []


def test_the_sql_probe_would_notice_sql():
    assert SQL.search('n = store.count(where=f"path LIKE {x}")')
    assert SQL.search("rows = store.files(\"status = 'error'\")")
    assert not SQL.search("self.search_field.setPlaceholderText('Describe a sound')")


def test_opening_the_application_imports_neither_lancedb_nor_torch():
    """The window shows before the index or the model are opened (start-up under a second)."""
    code = (
        "import sys\n"
        "import soundseek.app, soundseek.ui.main_window\n"
        "heavy = [m for m in ('lancedb', 'torch', 'pyarrow', 'pyqtgraph', 'transformers', 'numpy')"
        " if m in sys.modules]\n"
        "print(heavy); sys.exit(1 if heavy else 0)\n"
    )
    env_code = "import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n" + code
    out = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


MODULE_LINES, CLASS_LINES, PUBLIC_METHODS = 450, 300, 30


def _classes(path: Path) -> list[tuple[str, int, int]]:
    """(name, lines, public methods) of each class in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            methods = [
                n.name
                for n in node.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                and not n.name.startswith("_")
            ]
            out.append((node.name, node.end_lineno - node.lineno + 1, len(methods)))
    return out


def test_no_module_or_class_grows_into_a_hub():
    """Small modules with one purpose: a module past 450 lines, a class past 300 lines or
    30 public methods is where the next feature gets stuck (issue 21)."""
    too_big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES:
            too_big.append(f"{name}: {lines} lines")
        for cls, n, public in _classes(path):
            if n > CLASS_LINES or public > PUBLIC_METHODS:
                too_big.append(f"{name}:{cls}: {n} lines, {public} public methods")
    assert too_big == []
