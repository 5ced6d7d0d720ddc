"""Keep the decoders decoding while the model runs, and add a decoder when the model waits.

Decoder processes send windows through pipes that hold less than one window (a log-mel window
is 256 KB, a pipe 64 KB): while the indexer's thread runs a batch through the model, nobody
reads them, so every decoder blocked on its send and a core sat idle for the length of each
batch. `Prefetch` reads the pool on a thread of its own into a bounded queue (pipe reads and
ONNX Runtime's run both release the GIL), so decoding and inference overlap.

It also measures how long the model's side waited for windows. A cheap model (or a GPU)
leaves the model waiting: `Prefetch` then asks the pool for one more decoder, up to the
core count, once per measuring period. A full-size model on the CPU keeps the cores busy
with inference, so the pool stays at cores - 1 decoders and never oversubscribes the machine
(benchmarks/bench_pipeline.py measured both on the 2-core project machine).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
PERIOD_SECONDS = 2.0  # how long the waits are measured before a decoder is added
STARVED_SHARE = 0.25  # the model's side waited this share of a period: add a decoder
_END = object()


class Growable(Protocol[T]):
    workers: int

    def __iter__(self) -> Iterator[T]: ...

    def want(self, workers: int) -> None:
        """Ask for this many decoders (taken up between two messages)."""
        ...

    def stop(self) -> None:
        """End the iteration soon, from another thread."""
        ...


class Prefetch(Generic[T]):
    """Iterates `source` on a thread; iterate this once, `close` always (stops the thread)."""

    def __init__(self, source: Growable[T], size: int, max_workers: int = 0) -> None:
        self.source, self.max_workers = source, max_workers
        self._queue: queue.Queue = queue.Queue(maxsize=max(2, size))
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, name="soundseek-feed", daemon=True)
        self._thread.start()
        self.waited = 0.0  # seconds the consumer spent waiting, all in all

    def _pump(self) -> None:
        try:
            for item in self.source:
                while not self._stop.is_set():
                    try:
                        self._queue.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        self._put_end()

    def _put_end(self) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(_END, timeout=0.2)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[T]:
        period_start, period_waited = time.monotonic(), 0.0
        while True:
            t = time.monotonic()
            item = self._queue.get()
            waited = time.monotonic() - t
            self.waited += waited
            period_waited += waited
            if item is _END:
                break
            yield item
            if time.monotonic() - period_start >= PERIOD_SECONDS:
                self._maybe_grow(period_waited / (time.monotonic() - period_start))
                period_start, period_waited = time.monotonic(), 0.0
        if self._error is not None:
            raise self._error

    def _maybe_grow(self, starved: float) -> None:
        workers = self.source.workers
        if starved >= STARVED_SHARE and workers < self.max_workers:
            self.source.want(workers + 1)

    def close(self) -> None:
        """Stop reading (the source's own close stops its processes afterwards)."""
        self._stop.set()
        self.source.stop()
        self._thread.join(timeout=5)
