"""Review work off the UI thread: notes for the shown rows, the review lists, learned tags,
and the user's accept / reject / tag decisions written to the index one at a time.

Decisions are made in the application layer (which suggestion is the top one, what a
rejection means); this module only runs them in the background and says when they are done.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from soundseek.app import App
from soundseek.errors import StoreLocked
from soundseek.ui.app_jobs import SearchRunner
from soundseek.ui.error_text import describe_error
from soundseek.ui.threads import Tasks, Worker

if TYPE_CHECKING:
    from soundseek.app.review import FileNotes
    from soundseek.search.hits import Hit

RETRY_MS = 5000  # the index is being written (indexing, another process): try again then
RELEARN_MS = 1500  # tag changes come in bursts while reviewing: learn once they settle
VIEWS = {"uncategorised": "Uncategorised", "review": "Suggestions to review"}


class WriteQueue(QObject):
    """Index writes in order, one at a time (a second writer would find the index locked).
    While another writer holds the index the queue waits and retries; nothing is lost."""

    done = Signal(str)  # what was done, in words
    failed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._jobs: deque[Callable[[], str]] = deque()
        self.worker: Worker | None = None
        self.blocked = False
        self._closed = False
        self._retry = QTimer(self, singleShot=True, interval=RETRY_MS, timeout=self.retry)

    def submit(self, job: Callable[[], str]) -> None:
        if not self._closed:
            self._jobs.append(job)
            self._next()

    def retry(self) -> None:
        self.blocked = False
        self._next()

    def idle(self) -> bool:
        return self.worker is None and not self._jobs

    def _next(self) -> None:
        if self.worker is not None or self.blocked or not self._jobs or self._closed:
            return
        job = self._jobs[0]
        self.worker = Worker(lambda _c: job(), self)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.start()

    def _done(self, text: str) -> None:
        self._finish()
        self._jobs.popleft()
        self.done.emit(text)
        self._next()

    def _failed(self, exc: Exception) -> None:
        self._finish()
        if isinstance(exc, StoreLocked):
            self.blocked = True
            self._retry.start()
        else:
            self._jobs.popleft()
            self._next()
        self.failed.emit(exc)

    def _finish(self) -> None:
        if self.worker is not None:
            self.worker.wait(2000)
            self.worker = None

    def shutdown(self, ms: int = 60_000) -> None:
        self._closed = True
        self._retry.stop()
        if self.worker is not None:
            self.worker.wait(ms)


class ReviewController(QObject):
    """What the window's review keys, tag field and review lists ask of the application."""

    notes_ready = Signal(object)  # content hash -> FileNotes
    view_ready = Signal(object, str)  # SearchResult, label
    changed = Signal()  # a decision was written: notes (and an open review list) are stale
    known_tags = Signal(list)
    message = Signal(str)

    def __init__(self, app: App, parent=None) -> None:
        super().__init__(parent)
        self.app = app
        self.tasks = Tasks(self)
        self.writes = WriteQueue(self)
        self.learner = SearchRunner(self)
        self.learned: dict = {}  # content hash -> [TagGuess], from the last learning run
        self.view: str | None = None  # the review list shown, if any
        self._generation = 0
        self._relearn = QTimer(self, singleShot=True, interval=RELEARN_MS, timeout=self.learn)
        self.writes.done.connect(self._written)
        self.writes.failed.connect(self._write_failed)
        self.learner.results.connect(self._learned)
        self.learner.failed.connect(lambda exc: self.message.emit(f"learning tags: {exc}"))

    # -- reading ---------------------------------------------------------------------------
    def load_notes(self, hits: list[Hit]) -> None:
        """Notes for the shown rows; only the newest request's answer is delivered."""
        self._generation += 1
        gen, learned = self._generation, self.learned

        def deliver(notes) -> None:
            if gen == self._generation:
                self.notes_ready.emit(notes)

        if hits:
            self.tasks.run(lambda: self.app.file_notes(hits, learned), deliver)

    def open_view(self, key: str) -> None:
        """List the files of a review list ("uncategorised" or "review") in the results."""
        self.view = key
        learned = self.learned
        call = self.app.uncategorised if key == "uncategorised" else (
            lambda: self.app.to_review(learned))  # fmt: skip
        self.tasks.run(call, lambda r: self.view == key and self.view_ready.emit(r, VIEWS[key]),
                       lambda exc: self.message.emit(describe_error(exc)))  # fmt: skip

    def learn(self) -> None:
        """Learn every tag three files carry, in the background (slow on a big library)."""
        self.learner.submit(self.app.learned_tags, "learned tags")

    def refresh_known_tags(self) -> None:
        self.tasks.run(lambda: sorted(self.app.tag_counts()), self.known_tags.emit)

    def _learned(self, learned: dict, _label: str) -> None:
        self.learned = learned
        n = sum(len(v) for v in learned.values())
        if n:
            self.message.emit(f"{n} learned tag suggestions to review")
        self.changed.emit()

    # -- decisions -------------------------------------------------------------------------
    def accept(self, hits: list[Hit], notes: dict[str, FileNotes]) -> None:
        """A: each file's open UCS suggestion and its learned tags become its own."""
        self._decide(hits, notes, reject=False)

    def reject(self, hits: list[Hit], notes: dict[str, FileNotes]) -> None:
        """R: the open UCS suggestion is never offered for these files again; learned tags
        become negative examples."""
        self._decide(hits, notes, reject=True)

    def _decide(self, hits: list[Hit], notes: dict[str, FileNotes], reject: bool) -> None:
        cats = [h.path for h in hits if _note(notes, h) and _note(notes, h).suggestion]
        guessed = _guessed_tags(hits, notes)
        if not cats and not guessed:
            self.message.emit("Nothing suggested for the selected files")
            return
        decide = self.app.reject_categories if reject else self.app.accept_categories
        verb = "rejected" if reject else "accepted"
        what = "category suggestions" if reject else "categories"

        def job() -> str:
            n = decide(cats) if cats else 0
            for tag, some in guessed.items():
                self.app.tag(tag, [h.path for h in some], reject=reject)
            return _said(f"{verb} {n} {what}", guessed, verb)

        self._write(job, guessed)

    def accept_tag(self, hits: list[Hit], notes: dict[str, FileNotes], tag: str) -> None:
        """One learned tag (its chip clicked): on the selected files it was guessed for."""
        some = _guessed_tags(hits, notes).get(tag, [])
        if some:
            self.tag(some, tag)

    def set_category(self, hits: list[Hit], catid: str) -> None:
        paths = [h.path for h in hits]
        self._write(lambda: f"{catid} for {self.app.set_category(paths, catid)} files")

    def accept_above(self, min_confidence: float) -> None:
        """Every uncategorised file whose top suggestion is at least this confident."""
        n = f"{min_confidence:.0%}"
        self._write(lambda: f"accepted {self.app.accept_categories(None, min_confidence)} "
                            f"categories at {n} or more")  # fmt: skip

    def tag(self, hits: list[Hit], tag: str, on: bool = True) -> None:
        paths = [h.path for h in hits]

        def job() -> str:
            change = self.app.tag(tag, paths, on=on)
            verb = "tagged" if on else "untagged"
            return f"{verb} {change.changed} of {change.files} files: {change.tag!r}"

        self._write(job, {tag: hits})

    def _write(self, job: Callable[[], str], tags: dict[str, list[Hit]] | None = None) -> None:
        """Queue a decision; the learned guesses it settles disappear at once."""
        for tag, some in (tags or {}).items():
            for h in {h.file.content_hash for h in some} & self.learned.keys():
                self.learned[h] = [g for g in self.learned[h] if g.tag != tag]
        self.writes.submit(job)

    def _written(self, text: str) -> None:
        self.message.emit(text)
        self.changed.emit()
        self.refresh_known_tags()
        self._relearn.start()

    def _write_failed(self, exc: Exception) -> None:
        if isinstance(exc, StoreLocked):
            self.message.emit("The index is being written (indexing); your change is saved "
                              "as soon as it is free")  # fmt: skip
        else:
            self.message.emit(describe_error(exc))
            self.changed.emit()

    def idle(self) -> bool:
        return self.writes.idle() and self.learner.idle()

    def shutdown(self) -> None:
        self._relearn.stop()
        self.writes.shutdown()
        self.learner.shutdown()
        self.tasks.shutdown()


def _note(notes: dict[str, FileNotes], hit: Hit) -> FileNotes | None:
    return notes.get(hit.file.content_hash)


def _guessed_tags(hits: list[Hit], notes: dict[str, FileNotes]) -> dict[str, list[Hit]]:
    """Learned tag -> the selected files it is guessed for."""
    out: dict[str, list[Hit]] = {}
    for h in hits:
        n = _note(notes, h)
        for g in n.suggested_tags if n is not None else ():
            out.setdefault(g.tag, []).append(h)
    return out


def _said(text: str, tags: dict, verb: str) -> str:
    if not tags:
        return text
    return f"{text}; {verb} tags {', '.join(sorted(tags))}"
