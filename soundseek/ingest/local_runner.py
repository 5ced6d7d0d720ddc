"""The local runner: decoder processes on this machine feed the one batcher, and the model runs
in this process (the default embed stage of an index run)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from soundseek.embed.base import Embedder, FeatureEncoder
from soundseek.ingest.batcher import WindowBatcher
from soundseek.ingest.decoders import DecodePool
from soundseek.ingest.feeding import Prefetch
from soundseek.ingest.index_run import IndexOptions
from soundseek.ingest.messages import FileJob
from soundseek.ingest.runner import Tick


@dataclass(frozen=True)
class LocalRunner:
    """Decoder processes (opts.workers of them) and batches of opts.batch_size windows."""

    def opening(self, files: int) -> str:
        return ""

    @contextlib.contextmanager
    def start(
        self, jobs: list[FileJob], embedder: Embedder, opts: IndexOptions
    ) -> Iterator[Iterator[Tick]]:
        in_workers = features_in_workers(embedder)
        pool = DecodePool(jobs, opts.workers, embedder.feature_spec if in_workers else None)
        ahead = Prefetch(pool, 2 * opts.batch_size)
        try:
            yield _ticks(ahead, WindowBatcher(embedder, opts.batch_size, in_workers), opts)
        finally:
            ahead.close()
            pool.close()


def _ticks(pool: Prefetch, batcher: WindowBatcher, opts: IndexOptions) -> Iterator[Tick]:
    """A tick per decoder message; on cancel the partial batch is left (its files stay
    pending), while the files already embedded are still committed."""
    for message in pool:
        if opts.cancelled():
            return
        ran = batcher.add(message)
        yield Tick(batcher.take(), batcher.audio_seconds, ran)
    if not opts.cancelled():
        batcher.run_batch()
        yield Tick(batcher.take(), batcher.audio_seconds, last=True)


def features_in_workers(embedder: Embedder) -> bool:
    """Workers compute log-mel features for a CPU model; a GPU computes its own in batches
    (workers then send the samples)."""
    return isinstance(embedder, FeatureEncoder) and getattr(embedder, "device", "cpu") == "cpu"
