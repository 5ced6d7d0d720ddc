"""The one embed batcher: decoded windows of many files batched through the model, each file's
vectors held until all its windows are embedded, then handed out as an EmbeddedFile (or as a
FileFailed). The local runner feeds it from decoder processes; each cluster actor feeds its
own from its decoder, so a file gets the same vectors whichever runner indexed it.

A non-finite vector (NaN, infinity) never leaves here: its file fails with the reason, and
the file's other windows are dropped, whenever they come.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from soundseek.embed.base import Embedder
from soundseek.ingest.messages import DecodedWindow, EmbeddedFile, FileDone, FileFailed, Outcome

NON_FINITE = "the model produced non-numbers (NaN or infinity) for this file's audio"


@dataclass
class _Vector:
    index: int
    start: float
    end: float
    vector: np.ndarray


class WindowBatcher:
    """Takes a decoder's messages (`add`); `take` hands out the files finished since."""

    def __init__(self, embedder: Embedder, batch_size: int, features: bool) -> None:
        self.embedder = embedder
        self.batch_size = max(1, batch_size)
        self.features = features  # the decoders send log-mel features, not samples
        self.batch: list[DecodedWindow] = []
        self.vectors: dict[str, list[_Vector]] = defaultdict(list)
        self.waiting: list[FileDone] = []  # decoded; some windows may still be in the batch
        self.complete: list[FileDone] = []
        self.failed: dict[str, str] = {}  # not yet taken
        self.dropped: set[str] = set()  # failed this run: later windows are ignored
        self.audio_seconds = 0.0  # embedded so far

    def add(self, message: DecodedWindow | FileDone | FileFailed) -> bool:
        """Take one message from a decoder; True when the batch ran (progress worth showing)."""
        if isinstance(message, FileFailed):
            self.fail(message.digest, message.reason)
            return False
        if isinstance(message, FileDone):
            self.waiting.append(message)
            if not self.batch:
                self.run_batch()
            return False
        if message.digest in self.dropped:
            return False
        self.batch.append(message)
        if len(self.batch) >= self.batch_size:
            self.run_batch()
            return True
        return False

    def run_batch(self) -> None:
        """Embed what is batched (also a partial batch: the end of a run or of a chunk)."""
        if self.batch:
            data = [w.data for w in self.batch]
            if self.features:
                vecs = self.embedder.embed_features(np.stack(data))
            else:
                vecs = self.embedder.embed_audio(data)
            finite = np.isfinite(vecs).all(axis=1)
            for w, v, ok in zip(self.batch, vecs, finite, strict=True):
                if not ok:
                    self.fail(w.digest, NON_FINITE)
                elif w.digest not in self.dropped:
                    self.vectors[w.digest].append(_Vector(w.index, w.start, w.end, v))
                    self.audio_seconds += w.end - w.start
            self.batch = []
        self.complete += [d for d in self.waiting if d.digest not in self.dropped]
        self.waiting = []

    def fail(self, digest: str, reason: str) -> None:
        """The first reason a file fails for is the one recorded."""
        self.batch = [w for w in self.batch if w.digest != digest]
        self.vectors.pop(digest, None)
        if digest not in self.dropped:
            self.dropped.add(digest)
            self.failed[digest] = reason

    def take(self) -> list[Outcome]:
        """The files finished since the last call: embedded ones, then failed ones."""
        if not self.complete and not self.failed:
            return []
        out: list[Outcome] = [self._embedded(d) for d in self.complete]
        out += [FileFailed(digest, reason) for digest, reason in self.failed.items()]
        self.complete, self.failed = [], {}
        return out

    def _embedded(self, done: FileDone) -> EmbeddedFile:
        vecs = self.vectors.pop(done.digest, [])
        stacked = (
            np.stack([v.vector for v in vecs]).astype(np.float32, copy=False) if vecs else None
        )
        idxs, starts, ends = [v.index for v in vecs], [v.start for v in vecs], [v.end for v in vecs]
        return EmbeddedFile(done.digest, done.envelope, idxs, starts, ends, stacked, done.print)
