"""Decoding goes on while the model runs; closing stops it; a decoder's error reaches the run."""

from __future__ import annotations

import threading
import time

import pytest

from soundseek.ingest.feeding import Prefetch


class Source:
    """Stands in for the decoder pool: yields `n` items, one every `every` seconds."""

    def __init__(self, n: int, every: float = 0.0, fail_at: int | None = None) -> None:
        self.n, self.every, self.fail_at = n, every, fail_at
        self.made = 0
        self._stop = threading.Event()

    def __iter__(self):
        for i in range(self.n):
            if self._stop.is_set():
                return
            time.sleep(self.every)
            if i == self.fail_at:
                raise OSError("decoder pipe broke")
            self.made += 1
            yield i

    def stop(self) -> None:
        self._stop.set()


def test_items_arrive_in_order_and_the_source_runs_ahead_of_a_busy_model():
    source = Source(20)
    ahead = Prefetch(source, size=8)
    got = []
    try:
        for item in ahead:
            if item == 0:
                time.sleep(0.3)  # the model runs a batch: the decoders do not wait for it
                assert source.made >= 8
            got.append(item)
    finally:
        ahead.close()
    assert got == list(range(20))


def test_a_decoder_error_reaches_the_indexer():
    ahead = Prefetch(Source(5, fail_at=3), size=4)
    with pytest.raises(OSError, match="pipe broke"):
        list(ahead)
    ahead.close()


def test_closing_early_stops_the_reading_thread():
    source = Source(1000, every=0.001)
    ahead = Prefetch(source, size=4)
    for item in ahead:
        if item == 2:
            break
    ahead.close()
    assert not ahead._thread.is_alive()
    assert source.made < 1000
