"""The lexicon a new word index starts with: the lemma of every form the dictionary holds and
of every word the thesaurus may put in a query (~173k rows), so a query never loads the
dictionary (soundseek.words.analysis.Lexicon).

Computing those rows loads simplemma's dictionary twice (~1.2 s of CPU in a fresh process,
before the first file of a new library was scanned). They depend only on the dictionary, the
lemma fixes and the thesaurus, so they are computed once per machine into a template file
named by a key of all that decides them (and by a digest of its bytes), and each new word
index copies them in by SQL (~0.05 s; ~0.19 s for the whole new index, imports included).
The template is written under a temporary name and renamed, so a killed build leaves nothing
that is used; its bytes are checked against the digest in its name before every use, so a
damaged one is rebuilt; concurrent builders each write their own file and the last rename
wins (both are complete). Where it cannot be written, a new index computes the rows itself,
as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from soundseek.paths import templates_dir
from soundseek.words.analysis import dictionary_lemma, dictionary_rows, in_dictionary
from soundseek.words.thesaurus import thesaurus_words

log = logging.getLogger(__name__)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS lexicon (word TEXT PRIMARY KEY, lemma TEXT, "
    "known INTEGER) WITHOUT ROWID;"
)
TEMPLATE_FORMAT = "1"  # bump when what a template holds changes without its key changing
_PREFIX = "lexicon-"
_TMP_SUFFIX = ".tmp"
_STALE_TMP_SECONDS = 3600  # a temporary file this old belongs to a build that was killed


def fill(con: sqlite3.Connection, analyzer: str) -> None:
    """Fill `con`'s (new, empty) lexicon table with the dictionary's and the thesaurus's
    words: from the template when one is intact or can be made, else computed here. Call it
    outside a transaction (it attaches a database); it commits."""
    key = template_key(analyzer)
    for _ in range(2):  # a template that is not what its name says is discarded and rebuilt
        data = _template_bytes(key)
        if data is None:
            break
        try:
            if _copy_rows(con, data, key):
                return
        except OSError as exc:  # no room for the private copy: the rows are computed here
            log.warning("word index template not copied (%s)", exc)
            break
        _discard(templates_dir(), key)
    with con:
        insert_rows(con, "main")


def _copy_rows(con: sqlite3.Connection, data: bytes, key: str) -> bool:
    """Copy the rows of a template's checked bytes, attached from a private copy (another
    process may replace or prune the shared file meanwhile). False: they are not a template
    of this key (a foreign file under its name), nothing copied."""
    with tempfile.TemporaryDirectory(prefix="soundseek-lexicon-") as tmp:
        private = Path(tmp) / "lexicon.sqlite"
        private.write_bytes(data)
        con.execute("ATTACH DATABASE ? AS template", (str(private),))
        try:
            row = con.execute("SELECT value FROM template.meta WHERE key = 'template'").fetchone()
            if row is None or row[0] != key:
                log.warning("word index template for %s holds another key's rows", key)
                return False
            with con:
                con.execute("INSERT OR IGNORE INTO lexicon SELECT word, lemma, known "
                            "FROM template.lexicon")  # fmt: skip
            return True
        except sqlite3.DatabaseError as exc:  # not a database at all
            log.warning("word index template for %s unreadable (%s)", key, exc)
            return False
        finally:
            con.execute("DETACH DATABASE template")


def insert_rows(con: sqlite3.Connection, schema: str) -> None:
    """The rows computed from the dictionary and the thesaurus (~1.2 s in a fresh process):
    every dictionary form (known), then the thesaurus's words the dictionary lacks."""
    con.executemany(f"INSERT OR IGNORE INTO {schema}.lexicon VALUES (?, ?, 1)", dictionary_rows())
    rows = [(w, dictionary_lemma(w), int(in_dictionary(w))) for w in thesaurus_words()
            if w.isalpha()]  # fmt: skip
    con.executemany(f"INSERT OR IGNORE INTO {schema}.lexicon VALUES (?, ?, ?)", rows)


def template_key(analyzer: str) -> str:
    """Everything the rows depend on: the analyser (its version and lemma fixes), the
    dictionary's package version, the thesaurus's words, the table's layout, SQLite's."""
    import simplemma

    parts = [TEMPLATE_FORMAT, analyzer, simplemma.__version__, sqlite3.sqlite_version, SCHEMA,
             *sorted(thesaurus_words())]  # fmt: skip
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def _template_bytes(key: str) -> bytes | None:
    """The template's bytes, checked; built first when none is intact (None: it cannot be
    written here, e.g. a read-only cache)."""
    folder = templates_dir()
    for path in sorted(folder.glob(f"{_PREFIX}{key}-*.sqlite")):
        data = _read_intact(path)
        if data is not None:
            return data
        log.warning("word index template %s is damaged: building it again", path.name)
        with contextlib.suppress(OSError):
            path.unlink()
    try:
        return _build(folder, key)
    except (OSError, sqlite3.Error) as exc:
        log.warning("word index template could not be written in %s (%s)", folder, exc)
        return None


def _read_intact(path: Path) -> bytes | None:
    """The file's bytes when their digest is the one its name carries."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if path.stem.rsplit("-", 1)[-1] == _digest(data) else None


def _build(folder: Path, key: str) -> bytes:
    """Write the template under a private temporary name, then rename it into place."""
    started = time.process_time()
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder, key)
    tmp = folder / f".{_PREFIX}{key}.{os.getpid()}.{uuid.uuid4().hex}{_TMP_SUFFIX}"
    try:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode=OFF")  # a file nobody reads until it is renamed
            con.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);" + SCHEMA)
            with con:
                insert_rows(con, "main")
                con.execute("INSERT INTO meta VALUES ('template', ?)", (key,))
        finally:
            con.close()
        data = tmp.read_bytes()
        _durable(tmp)
        try:
            os.replace(tmp, folder / f"{_PREFIX}{key}-{_digest(data)}.sqlite")
        except OSError as exc:  # Windows: another process is reading that name right now
            log.info("word index template not renamed into place (%s)", exc)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    log.info("word index template built in %.1f s (CPU)", time.process_time() - started)
    return data


def _durable(path: Path) -> None:
    """On disk before the rename makes it visible (a power cut must not leave a named,
    empty file; its digest would catch it, but it would be rebuilt for nothing)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows flushes only writers
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(folder: Path, key: str) -> None:
    """Templates of other keys (an older dictionary or analyser) and temporary files of
    builds that were killed. Deleting one another process still reads is harmless: each
    use reads a template's bytes whole first (and on Windows the delete just fails)."""
    now = time.time()
    for path in folder.iterdir():
        name = path.name
        old = name.startswith(_PREFIX) and not name.startswith(f"{_PREFIX}{key}-")
        with contextlib.suppress(OSError):
            killed = name.endswith(_TMP_SUFFIX) and now - path.stat().st_mtime > _STALE_TMP_SECONDS
            if old or killed:
                path.unlink()


def _discard(folder: Path, key: str) -> None:
    for path in folder.glob(f"{_PREFIX}{key}-*.sqlite"):
        with contextlib.suppress(OSError):
            path.unlink()


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def held(con: sqlite3.Connection, words: list[str]) -> set[str]:
    """Which of `words` the lexicon already holds (looked up 500 at a time)."""
    found: set[str] = set()
    for i in range(0, len(words), 500):
        part = words[i : i + 500]
        marks = ", ".join("?" * len(part))
        rows = con.execute(f"SELECT word FROM lexicon WHERE word IN ({marks})", part)
        found.update(r[0] for r in rows)
    return found
