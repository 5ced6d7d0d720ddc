"""The indexing runners' common shape, and the one loop that drives any of them.

A runner turns the pending files into outcomes: the local runner (`ingest.local_runner`,
decoder processes on this machine and the model in this process) or the Ray runner
(`cluster.ray_runner`, actors that decode and embed). Each uses the one batcher
(`ingest.batcher`); neither writes to the store. `run_embedding` commits what they finish
through the one commit path (`ingest.embed_commits`) and reports progress, the same for both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from soundseek.embed.base import Embedder
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_ERRORS
from soundseek.ingest.embed_commits import EmbedCommits, jobs_of, pending_by_hash
from soundseek.ingest.index_run import IndexOptions, IndexProgress
from soundseek.ingest.messages import FileJob, Outcome


@dataclass(frozen=True)
class Tick:
    """What a runner reports each time it hears from its workers (also when nothing finished:
    a chance to commit what is due)."""

    outcomes: list[Outcome] = field(default_factory=list)  # finished since the last tick
    audio_seconds: float = 0.0  # embedded so far in this run
    batch_ran: bool = False  # the model ran a batch: progress worth showing
    last: bool = False  # the runner's last tick: the run's final commit follows at once


class EmbedRunner(Protocol):
    """One way to embed the pending files."""

    def opening(self, files: int) -> str:
        """What to tell the user before the workers start ('' for nothing)."""
        ...

    def start(
        self, jobs: list[FileJob], embedder: Embedder, opts: IndexOptions
    ) -> AbstractContextManager[Iterator[Tick]]:
        """Start the workers on these jobs; the ticks end when all are finished or when opts
        is cancelled (what is unfinished then is left pending). Leaving stops the workers."""
        ...


def run_embedding(
    store: Store, opts: IndexOptions, embedder: Embedder, t0: float, runner: EmbedRunner
) -> Iterator[IndexProgress]:
    """The embed stage of an index run, with any runner: commits as results come in."""
    by_hash = pending_by_hash(store, opts)
    total = sum(len(v) for v in by_hash.values())
    if not total:
        return
    if note := runner.opening(total):
        yield IndexProgress("embed", 0, total, message=note)
    commits = EmbedCommits(store, by_hash)
    with runner.start(jobs_of(by_hash), embedder, opts) as ticks:
        started, audio = time.monotonic(), 0.0

        def progress() -> IndexProgress:
            done = commits.files_finished()
            rate = done / max(1e-6, time.monotonic() - started)
            return IndexProgress("embed", done, total, audio, store.count(ONLY_ERRORS),
                                 rate, time.monotonic() - t0)  # fmt: skip

        for tick in ticks:
            commits.add(tick.outcomes)
            audio = tick.audio_seconds
            if tick.batch_ran:
                yield progress()
            if not tick.last and commits.due():
                commits.flush()
                yield progress()
        commits.flush()
        yield progress()
