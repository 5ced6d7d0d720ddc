"""The Ray runner (`soundseek cluster index`): pending files go out to the actors in chunks,
and what they return goes through the same commit path as the local runner's, in this
process, the index's one writer (`ingest.runner.run_embedding` drives both).

Same contract as the local runner: a file counts as indexed only once its windows are stored
(a kill leaves orphan windows at worst, swept by the next run, which skips what is indexed);
per-file errors are recorded with their reason; the run stops cleanly on cancel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from soundseek.cluster.pool import ActorPool
from soundseek.embed.base import Embedder
from soundseek.ingest.index_run import IndexOptions
from soundseek.ingest.messages import EmbeddedFile, FileJob
from soundseek.ingest.runner import Tick

CHUNK_FILES = 16  # files per actor call: enough windows to fill a GPU batch of one-shots


def chunked(jobs: list[FileJob], size: int) -> Iterator[list[FileJob]]:
    for i in range(0, len(jobs), size):
        yield jobs[i : i + size]


class RayRunner:
    """`pool` starts the actors (and Ray) only when there is something to embed; the
    actors load their own model, so the driver's embedder is not used for vectors."""

    def __init__(
        self, pool: Callable[[], AbstractContextManager[ActorPool]], chunk_files: int = CHUNK_FILES
    ) -> None:
        self.pool, self.chunk_files = pool, chunk_files

    def opening(self, files: int) -> str:
        return f"starting the cluster for {files} files"

    @contextlib.contextmanager
    def start(
        self, jobs: list[FileJob], embedder: Embedder, opts: IndexOptions
    ) -> Iterator[Iterator[Tick]]:
        with self.pool() as actors:
            yield self._ticks(actors, jobs, opts)

    def _ticks(self, actors: ActorPool, jobs: list[FileJob], opts: IndexOptions) -> Iterator[Tick]:
        """A tick per finished chunk, and one per poll while waiting."""
        audio = 0.0
        for finished in actors.run(chunked(jobs, self.chunk_files)):
            if opts.cancelled():
                return
            outcomes = finished[1] if finished is not None else []
            for o in outcomes:
                if isinstance(o, EmbeddedFile):
                    audio += o.seconds
            yield Tick(outcomes, audio)
