"""Decode (and featurize) files in worker processes, so the model never waits for a decoder.

Work items and results are the typed records of `ingest.messages`: a FileJob in; windows of
48 kHz samples or their log-mel features out, then the file's envelope, or the reason it
failed. The model never goes to a worker. A decoder that crashes or hangs takes only its
worker down: that file is recorded as unreadable and a fresh worker takes over. Workers exit
when the indexer goes away, however it goes (a kill included).

Each worker has its own pipe, not a shared multiprocessing.Queue: a process killed while
writing to a shared queue corrupts it (or keeps its lock) for everyone; a broken pipe is
thrown away with its worker.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

import numpy as np

from soundseek.audio.decode import EnvelopeBuilder, iter_windows
from soundseek.audio.soundprint import PrintBuilder
from soundseek.cores import usable_cores
from soundseek.embed.features import FeatureSpec, LogMel
from soundseek.errors import UnreadableFile
from soundseek.ingest.messages import (
    DecodedWindow,
    DecoderMessage,
    DecodeStarted,
    FileDone,
    FileEnd,
    FileFailed,
    FileJob,
)

log = logging.getLogger(__name__)

Send = Callable[[DecodedWindow], None]
# (digest, path, log-mel or None, send) -> how the file ended; see decode_file
Decode = Callable[[str, str, "LogMel | None", Send], FileEnd]

TASKS_PER_WORKER = 2  # one decoding, one waiting: a worker never idles between files
DECODER_NICENESS = 10
HANG_SECONDS = 300.0  # one file decoding this long without a window is a hung decoder
POLL_SECONDS = 0.5
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def default_workers() -> int:
    """One decoder per core. They run at a lower priority than the model (see
    `_yield_to_the_model`), so they use only what inference leaves: on the 2-core project
    machine a full-size model indexed as fast with two decoders as with one (36.2 s against
    36.6 s for 300 files), and a tiny model 1.4x faster (9.1 s against 13.0 s)."""
    return usable_cores()


# -- in the worker process ------------------------------------------------------------------


def _worker_main(conn: Connection, spec: FeatureSpec | None, decode: Decode) -> None:
    """Decode the files the indexer sends until it says stop or goes away (EOF, broken pipe)."""
    _yield_to_the_model()
    logmel = LogMel(spec) if spec is not None else None
    try:
        while (job := conn.recv()) is not None:
            conn.send(DecodeStarted(job.digest))
            conn.send(decode(job.digest, job.path, logmel, conn.send))
    except (EOFError, OSError):
        return


def _yield_to_the_model() -> None:
    """Decoders run at a lower priority than the indexer's process: where both want a core,
    the model (and the window the user works in) gets it, and decoders use what is left, so
    no core idles and none is fought over."""
    with contextlib.suppress(AttributeError, OSError):  # Windows has no os.nice
        os.nice(DECODER_NICENESS)


def decode_file(digest: str, path: str, logmel: LogMel | None, send: Send) -> FileEnd:
    """Stream one file's windows out; the last message says how it ended."""
    try:
        envelope, printer = EnvelopeBuilder(), PrintBuilder()
        count = 0
        for w in iter_windows(path, envelope, printer):
            if not np.isfinite(w.samples).all():
                raise UnreadableFile(path, "the audio data holds non-numbers (NaN or infinity)")
            data = logmel(w.samples) if logmel is not None else w.samples
            send(DecodedWindow(digest, w.index, w.start, w.end, data))
            count += 1
        return FileDone(digest, envelope.to_bytes(), count, printer.finish().to_bytes())
    except UnreadableFile as exc:
        return FileFailed(digest, exc.reason)
    except Exception as exc:  # a decoder bug costs one file, never the run
        return FileFailed(digest, f"decoding failed ({type(exc).__name__}: {exc})")


@contextlib.contextmanager
def _single_threaded_numerics() -> Iterator[None]:
    """Workers are the parallelism: a BLAS pool in each of them oversubscribed two cores so
    badly that two workers ran no faster than one (measured). Spawned children read these
    variables when they import NumPy."""
    saved = {k: os.environ.get(k) for k in THREAD_VARS}
    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- in the indexer -------------------------------------------------------------------------


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    assigned: list[FileJob]  # sent, in order; the first one started is `current`
    current: str | None = None
    last_seen: float = 0.0


class DecodePool:
    """Hands (digest, path) jobs to worker processes and yields what they produce, in arrival
    order (windows of several files interleave). Iterate it once; `close` always."""

    def __init__(
        self, jobs: Iterable[tuple[str, str]], workers: int, spec: FeatureSpec | None,
        decode: Decode | None = None,
    ) -> None:  # fmt: skip
        self._ctx = mp.get_context("spawn")  # no forked torch/OpenMP state in the workers
        self._decode = decode or decode_file  # a module-level function: workers import it
        self._jobs = (FileJob(*job) for job in jobs)
        self._retry: list[FileJob] = []  # assigned to a worker that died before them
        self._spec = spec
        self._workers: list[_Worker] = []
        self._exhausted = False
        self._stopping = False
        for _ in range(max(1, workers)):
            self._spawn()

    def stop(self) -> None:
        """End the iteration within a poll (any thread); `close` then stops the workers."""
        self._stopping = True

    def _spawn(self) -> None:
        ours, theirs = self._ctx.Pipe(duplex=True)
        p = self._ctx.Process(target=_worker_main, args=(theirs, self._spec, self._decode),
                              name="soundseek-decode", daemon=True)  # fmt: skip
        with _single_threaded_numerics():
            p.start()
        theirs.close()  # the worker holds the only other end: its death reads as EOF here
        self._workers.append(_Worker(p, ours, [], None, time.monotonic()))

    def _next_job(self) -> FileJob | None:
        if self._retry:
            return self._retry.pop(0)
        job = None if self._exhausted else next(self._jobs, None)
        self._exhausted = job is None
        return job

    def _feed(self) -> None:
        for w in self._workers:
            while len(w.assigned) < TASKS_PER_WORKER:
                job = self._next_job()
                if job is None:
                    return
                w.conn.send(job)
                w.assigned.append(job)

    def __iter__(self) -> Iterator[DecodedWindow | FileDone | FileFailed]:
        self._feed()
        while not self._stopping and any(w.assigned for w in self._workers):
            ready = wait([w.conn for w in self._workers], timeout=POLL_SECONDS)
            for w in [w for w in self._workers if w.conn in ready]:
                try:
                    message = w.conn.recv()
                except (EOFError, OSError):
                    yield from self._replace(w, "crashed")
                    continue
                event = self._receive(w, message)
                if event is not None:
                    yield event
            yield from self._check_hangs()
            self._feed()

    def _receive(self, w: _Worker, message: DecoderMessage) -> DecodedWindow | FileEnd | None:
        w.last_seen = time.monotonic()
        if isinstance(message, DecodedWindow):
            return message
        if isinstance(message, DecodeStarted):
            w.current = message.digest
            return None
        w.assigned = [j for j in w.assigned if j.digest != message.digest]
        w.current = None
        return message

    def _check_hangs(self) -> Iterator[FileFailed]:
        now = time.monotonic()
        for w in list(self._workers):
            if w.current is not None and now - w.last_seen > HANG_SECONDS:
                yield from self._replace(w, "hung")

    def _replace(self, w: _Worker, what: str) -> Iterator[FileFailed]:
        """A worker that died (a native crash) or hangs costs its current file only; the
        files it had not started go to the others."""
        if w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=5)
        w.conn.close()
        self._workers.remove(w)
        self._retry += [j for j in w.assigned if j.digest != w.current]
        self._spawn()
        if w.current is not None:
            if what == "crashed":
                what = f"crashed (exit code {w.process.exitcode})"
            log.warning("decoder %s on %s", what, w.current)
            yield FileFailed(w.current, f"the audio decoder {what} on this file")

    def running(self) -> dict[str, int]:
        """The files being decoded now, with the worker's process id (diagnostics, tests)."""
        return {w.current: w.process.pid for w in self._workers if w.current is not None}

    def close(self) -> None:
        for w in self._workers:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        deadline = time.monotonic() + 5
        for w in self._workers:
            w.process.join(timeout=max(0.1, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
            w.conn.close()
