"""Keep the decoders decoding while the model runs.

Decoder processes send windows through pipes that hold less than one window (a log-mel window
is 256 KB, a pipe 64 KB): while the indexer's thread runs a batch through the model, nobody
reads them, so every decoder blocked on its send and a core sat idle for the length of each
batch. `Prefetch` reads the pool on a thread of its own into a bounded queue (pipe reads and
ONNX Runtime's run both release the GIL), so decoding and inference overlap; the queue's
bound keeps decoders from running ahead by more than a couple of batches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
_END = object()


class Stoppable(Protocol[T]):
    def __iter__(self) -> Iterator[T]: ...

    def stop(self) -> None:
        """End the iteration soon, from another thread."""
        ...


class Prefetch(Generic[T]):
    """Iterates `source` on a thread; iterate this once, `close` always (stops the thread)."""

    def __init__(self, source: Stoppable[T], size: int) -> None:
        self.source = source
        self._queue: queue.Queue = queue.Queue(maxsize=max(2, size))
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, name="soundseek-feed", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        try:
            for item in self.source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        self._put(_END)

    def _put(self, item: object) -> bool:
        """Into the queue, unless closed meanwhile (then False)."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _END:
                break
            yield item
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop reading (the source's own close stops its processes afterwards)."""
        self._stop.set()
        self.source.stop()
        self._thread.join(timeout=5)
